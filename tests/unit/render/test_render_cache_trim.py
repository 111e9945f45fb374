"""The render cache keeps its newest renders and lists itself once a batch: each render put
listed and stat'ed the whole cache again (a full cache, 1,024 entries: 40 puts of a 20-overlay
reading stat'ed it 40 times over). Counted, never timed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from gitops_bot.render import render_cache
from gitops_bot.render.settings import RenderSettings


def test_a_batch_of_renders_lists_the_cache_once_and_keeps_the_newest(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(render_cache, "CACHE_ENTRIES", 3)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree/a.yaml").write_text("a: 1\n")
    cache = render_cache.RenderCache(
        RenderSettings(), sys.executable, tmp_path / "tree", {"d1", "d2", "d3", "d4"}, 1
    )
    old = []
    cache.dir.mkdir(parents=True)
    for i in range(5):  # renders of earlier runs, older than any put now
        old.append(cache.dir / f"old{i}.yaml")
        old[-1].write_text("x")
        os.utime(old[-1], ns=(10**9 * (i + 1), 10**9 * (i + 1)))
    listed = []
    glob = Path.glob

    def counted(self: Path, pattern: str) -> Any:
        listed.append(self)
        return glob(self, pattern)

    monkeypatch.setattr(Path, "glob", counted)
    keys = {name: cache.key({}, name) for name in ("d1", "d2", "d3", "d4")}
    for name, key in keys.items():
        cache.put(key, name, f"render of {name}\n")
    assert listed == []  # nothing listed while the batch is written
    cache.trim()
    cache.trim()  # nothing put since: not listed again
    assert listed == [cache.dir]
    left = sorted(cache.dir.glob("*.yaml"))
    assert len(left) == 3 and not set(old) & set(left)
    assert sum(cache.get(key, n) is not None for n, key in keys.items()) == 3
