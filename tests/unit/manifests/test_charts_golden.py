"""Golden cases of chart version edits: tests/data/charts/<form>/<case>/{input.yaml, changes,
expected.yaml | error, source}.

``changes`` holds one ``NAME REPOSITORY VERSION`` per line, ``pin-ranges`` to replace ranges
too, and ``repository NAMESPACE/NAME URL`` for a Flux HelmRepository defined in another file.
The input is edited as the file each form lives in (``Chart.yaml``, ``kustomization.yaml``,
any other name for cluster objects); the bytes written must equal ``expected.yaml`` (CRLF, BOM,
no final newline included), a second write must change nothing, and every exact site must read
back at its new version. ``source`` says where a case's file comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts
from testkit.paths import TEST_DATA

DATA = TEST_DATA / "charts"
FILENAMES = {"chart-dependency": "Chart.yaml", "kustomize-helmcharts": "kustomization.yaml"}
CASES = sorted(f"{form}/{p.name}" for form in charts.FORMS for p in (DATA / form).iterdir() if p.is_dir())


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _changes(case: Path) -> tuple[dict[charts.ChartSpec, str], dict[str, str], bool]:
    changes: dict[charts.ChartSpec, str] = {}
    repositories: dict[str, str] = {}
    pin = False
    for line in _read(case / "changes").splitlines():
        words = line.split()
        if words == ["pin-ranges"]:
            pin = True
        elif words[0] == "repository":
            repositories[words[1]] = words[2]
        else:
            changes[charts.ChartSpec(words[0], words[1])] = words[2]
    return changes, repositories, pin


def test_every_form_has_cases() -> None:
    for form in charts.FORMS:
        assert sum(c.startswith(f"{form}/") for c in CASES) >= 4, form


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    src = DATA / case
    filename = FILENAMES.get(case.split("/")[0], "release.yaml")
    text = _read(src / "input.yaml")
    changes, repositories, pin = _changes(src)
    if (src / "error").exists():
        with pytest.raises(ManifestError) as caught:
            charts.write(text, filename, changes, repositories=repositories, pin_ranges=pin)
        assert _read(src / "error").strip() in str(caught.value)
        assert "\n" not in str(caught.value)
        return
    expected = _read(src / "expected.yaml")
    out = charts.write(text, filename, changes, repositories=repositories, pin_ranges=pin)
    assert out == expected
    assert charts.write(out, filename, changes, repositories=repositories, pin_ranges=pin) == out
    if out == text:
        return
    form = case.split("/")[0]
    sites = charts.read(out, filename, list(changes), repositories=repositories)
    assert sites and all(s.form == form for s in sites)
    moved = [s for s in sites if s.exact]
    assert moved and all(s.version.replace("_", "+") == changes[s.chart] for s in moved)
