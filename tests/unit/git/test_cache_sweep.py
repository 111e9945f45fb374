"""The cache's half-done clones (a run killed while cloning) are looked for in one listing of
the cache's folder, made again only when the folder changed: a watch over n repositories asks
for each of them every cycle, and a listing for each was n listings of n entries a cycle."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gitops_bot.git import store


def _cloned(cache: Path, url: str) -> Path:
    """What a finished clone of ``url`` leaves in the cache: a bare repository at its key."""
    path = cache / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]
    (path / "objects").mkdir(parents=True)
    (path / "HEAD").write_text("ref: refs/heads/main\n")
    return path


def test_a_fleet_unchanged_lists_the_cache_folder_once_and_sweeps_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [f"https://git.example/team/r{i}.git" for i in range(30)]
    paths = [_cloned(tmp_path, url) for url in urls]
    listed: list[str] = []
    scandir = os.scandir

    def counted(path: int | str | os.PathLike[str] = ".") -> object:
        if not isinstance(path, int) and Path(path) == tmp_path / "repos":  # rmtree lists by fd
            listed.append(str(path))
        return scandir(path)

    def cycle() -> None:
        for url in urls:
            _, lock, _ = store.cached_store(url, tmp_path, {})
            os.close(lock)

    cycle()  # the first cycle makes each repository's lock file beside its clone
    leftover = paths[7].parent / f".{paths[7].name}.abc123"  # a run killed while cloning
    (leftover / "objects").mkdir(parents=True)
    monkeypatch.setattr(os, "scandir", counted)
    cycle()
    assert not leftover.exists()
    assert len(listed) <= 2  # once, and once more after the leftover's removal changed it
    listed.clear()
    cycle()
    assert listed == []
