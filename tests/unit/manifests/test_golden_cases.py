"""Golden cases: tests/data/<format>/<case>/{input.yaml, args, expected.yaml | error}.

``kustomize`` cases edit a kustomization.yaml; ``manifests`` cases edit any other YAML file
(workload containers, marker comments, Helm values paths given with --helm). Each case runs
through `gitops-bot set-image --file`, so the bytes compared are the bytes written to disk
(CRLF, BOM, no final newline included). An optional ``source`` file says where a case's shape
comes from (real files from public repositories, kustomize's own output)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.manifests import images, setimage
from testkit.paths import TEST_DATA

DATA = TEST_DATA
TARGETS = {"kustomize": "kustomization.yaml", "manifests": "deploy.yaml"}
CASES = sorted(f"{fmt}/{p.name}" for fmt in TARGETS for p in (DATA / fmt).iterdir() if p.is_dir())


def test_there_are_enough_cases() -> None:
    assert sum(c.startswith("kustomize/") for c in CASES) >= 40
    assert sum(c.startswith("manifests/") for c in CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = DATA / case
    target = tmp_path / TARGETS[case.split("/")[0]]
    shutil.copyfile(src / "input.yaml", target)
    args = (src / "args").read_text().split()
    code = main(["set-image", "--file", str(target), *args])
    err = capsys.readouterr().err
    if (src / "error").exists():
        assert code == 2, err
        assert (src / "error").read_text().strip() in err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert target.read_bytes() == (src / "input.yaml").read_bytes(), "file must be untouched"
        return
    assert code == 0, err
    assert target.read_bytes() == (src / "expected.yaml").read_bytes()
    if (src / "renames").exists():
        return  # the file says why a second run is not a no-op (e.g. NAME no longer matches)
    # idempotent: the same arguments again change nothing
    assert main(["set-image", "--file", str(target), *args]) == 0
    assert "no change" in capsys.readouterr().err
    assert target.read_bytes() == (src / "expected.yaml").read_bytes()


_MARKER = re.compile(r'#\s*\{"\$imagepolicy":\s*"([^"]+)"\}\s*$')


def _flux_policies(case: str) -> set[str]:
    """The NAMESPACE:POLICY setters a case's arguments are read as (none: kustomize's reading)."""
    src = DATA / case
    if not (src / "expected.yaml").exists():
        return set()
    text, name = (src / "input.yaml").read_text(), TARGETS[case.split("/")[0]]
    setters = images.setter_names(text, name)
    entries = images.marked_entries(text, name) if case.startswith("kustomize/") else {}
    args = [a for a in (src / "args").read_text().split() if not a.startswith("--")]
    return {s for a in args if (s := setimage.read_arg(a, setters, entries).setter) is not None}


FLUX_CASES = [c for c in CASES if _flux_policies(c)]


def test_there_are_flux_policy_cases() -> None:
    assert sum(c.startswith("kustomize/") for c in FLUX_CASES) >= 8


@pytest.mark.parametrize("case", FLUX_CASES)
def test_a_flux_policy_edit_changes_only_its_marked_values(case: str) -> None:
    """Byte-minimal, as Flux's setters: every changed line holds a marker of the policy read, and
    only the value between the key and the marker comment differs."""
    policies = _flux_policies(case)
    before = (DATA / case / "input.yaml").read_bytes().decode().splitlines(keepends=True)
    after = (DATA / case / "expected.yaml").read_bytes().decode().splitlines(keepends=True)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        if old == new:
            continue
        m = _MARKER.search(old)
        assert m is not None, f"an unmarked line changed: {old!r}"
        setter = m.group(1) if m.group(1) in policies else m.group(1).rpartition(":")[0]
        assert setter in policies, f"a marker of another policy changed: {old!r}"
        key = old[: old.index(":") + 1]
        assert new.startswith(key) and new.endswith(old[m.start() :]), (old, new)
