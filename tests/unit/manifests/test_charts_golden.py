"""Golden cases of chart version edits: tests/data/charts/<form>/<case>/{input.yaml, changes,
expected.yaml | error, source}.

``changes`` holds one ``NAME REPOSITORY VERSION`` per line, ``pin-ranges`` to replace ranges
too, ``repository NAMESPACE/NAME URL`` for a Flux HelmRepository defined in another file and
``release NAMESPACE/NAME CHART REPOSITORY`` for a HelmRelease another file defines.
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


class _Case:
    def __init__(self, case: Path) -> None:
        self.changes: dict[charts.ChartSpec, str] = {}
        self.repositories: dict[str, str] = {}
        self.releases: dict[str, charts.ChartSpec] = {}
        self.pin = False
        for line in _read(case / "changes").splitlines():
            words = line.split()
            if words == ["pin-ranges"]:
                self.pin = True
            elif words[0] == "repository":
                self.repositories[words[1]] = words[2]
            elif words[0] == "release":
                self.releases[words[1]] = charts.ChartSpec(words[2], words[3])
            else:
                self.changes[charts.ChartSpec(words[0], words[1])] = words[2]

    def write(self, text: str, filename: str) -> str:
        return charts.write(
            text,
            filename,
            self.changes,
            repositories=self.repositories,
            releases=self.releases,
            pin_ranges=self.pin,
        )

    def read(self, text: str, filename: str) -> list[charts.ChartSite]:
        return charts.read(
            text, filename, list(self.changes), repositories=self.repositories, releases=self.releases
        )


def test_every_form_has_cases() -> None:
    for form in charts.FORMS:
        assert sum(c.startswith(f"{form}/") for c in CASES) >= 4, form


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    src = DATA / case
    filename = FILENAMES.get(case.split("/")[0], "release.yaml")
    text = _read(src / "input.yaml")
    c = _Case(src)
    if (src / "error").exists():
        with pytest.raises(ManifestError) as caught:
            c.write(text, filename)
        assert _read(src / "error").strip() in str(caught.value)
        assert "\n" not in str(caught.value)
        return
    expected = _read(src / "expected.yaml")
    out = c.write(text, filename)
    assert out == expected
    assert c.write(out, filename) == out
    if out == text:
        return
    form = case.split("/")[0]
    sites = c.read(out, filename)
    assert sites and all(s.form == form for s in sites)
    moved = [s for s in sites if s.exact]
    assert moved and all(s.version.replace("_", "+") == c.changes[s.chart] for s in moved)
