"""Real ``kubectl kustomize`` as the judge of the reader's effective places: every tree of
tests/unit/render/test_reader_effective.py is rendered, and the versions of the pins the reader
calls effective are the image versions kustomize renders (as many, of each), or kustomize
refuses the build where the reader says it refuses it. A tree the reader makes no claim about
(a remote resource kubectl cannot fetch here) is judged by its unit test alone."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot.core.reading import PinStatus
from testkit.kubetools import kubectl
from tests.unit.render import test_reader_effective as unit

TESTS = sorted(
    n
    for n in dir(unit)
    if n.startswith("test_") and n != "test_a_build_the_reader_cannot_see_whole_makes_no_claim"
)


def _rendered(directory: Path) -> Counter[str] | None:
    """The tags of the configured image in what kustomize renders; None when it refuses."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        return None
    tags: Counter[str] = Counter()
    for doc in yaml.safe_load_all(done.stdout):
        for spec in _pod_specs(doc):
            for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                name, _, tag = str(c.get("image", "")).rpartition(":")
                if name == unit.APP:
                    tags[tag] += 1
    return tags


def _pod_specs(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    spec = doc.get("spec") or {}
    template = spec.get("template") or (spec.get("jobTemplate") or {}).get("spec", {}).get("template") or {}
    return [template["spec"]] if isinstance(template.get("spec"), dict) else []


@pytest.mark.parametrize("name", TESTS)
def test_the_effective_pins_are_what_kustomize_renders(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged: list[str] = []
    read: Callable[[Path, dict[str, str]], dict[str, Any]] = unit._read

    def judge(root: Path, envs: dict[str, str]) -> dict[str, Any]:
        found = read(root, envs)
        for env, path in envs.items():
            r = found[env].image(unit.APP)
            rendered = _rendered(root / path)
            if rendered is None:
                assert r.status is PinStatus.UNSUPPORTED, f"{env}: kustomize refuses the build"
            else:
                assert Counter(p.tag for p in r.pins if p.effective) == rendered, env
            judged.append(env)
        return found

    monkeypatch.setattr(unit, "_read", judge)
    getattr(unit, name)(tmp_path)
    assert judged
