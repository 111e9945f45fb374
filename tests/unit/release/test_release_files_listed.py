"""A release's body names the files it writes, at most 50 of them and how many
more: a chart pinned in 500 wrapper charts (one environment's Chart.yaml files) listed all 500."""

from __future__ import annotations

from gitops_bot.core.model import ArtifactKind
from gitops_bot.core.outside import Outside
from gitops_bot.release.proposal import Change, Release


def _body(count: int) -> str:
    files = tuple(f"charts/c{i:03d}/Chart.yaml" for i in range(count))
    change = Change(
        "prod",
        "raw",
        "https://charts.example.com",
        files,
        "0.2.5",
        None,
        "0.2.6",
        None,
        Outside("newer"),
        kind=ArtifactKind.CHART,
    )
    return Release("prod", (change,)).body()


def test_a_release_writing_many_files_names_the_first_and_counts_the_rest() -> None:
    (line,) = [line for line in _body(500).splitlines() if line.startswith("**Files**")]
    assert line.endswith("`charts/c049/Chart.yaml` and 450 more"), line
    assert line.count("`") == 2 * 50


def test_a_release_writing_few_files_names_each() -> None:
    (line,) = [line for line in _body(3).splitlines() if line.startswith("**Files**")]
    assert line == "**Files**: `charts/c000/Chart.yaml`, `charts/c001/Chart.yaml`, `charts/c002/Chart.yaml`"
