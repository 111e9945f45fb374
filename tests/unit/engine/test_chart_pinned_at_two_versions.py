"""One chart pinned at two versions in one environment's files (konstructio/gitops-template@23133d5e:
cert-manager v1.14.4 in 15 Application files, v1.11.0 in the k3d trees' two): the reading took
the first file's version for all, so plan said "up to date" while two files ran v1.11.0. The
lowest decides, the release is written into every place, and the other version is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.policy import behind_version
from testkit.chart_repo import ChartRepo
from testkit.local_git import origin_and_clone
from testkit.paths import TEST_DATA

PODINFO = (TEST_DATA / "charts" / "indexes" / "podinfo.yaml").read_bytes()
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: podinfo, namespace: argocd}}
spec:
  project: default
  source:
    repoURL: {url}
    targetRevision: {version}
    chart: podinfo
  destination: {{name: in-cluster, namespace: podinfo}}
"""
CONFIG = """version: 1
charts:
- name: podinfo
  repository: {url}
  range: "^1"
environments:
- name: in-cluster
  paths: [aws/podinfo.yaml, k3d/podinfo.yaml]
"""


def test_the_version_behind_decides_and_the_other_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ChartRepo(index=PODINFO) as repo:
        _, work = origin_and_clone(
            tmp_path,
            {
                "aws/podinfo.yaml": APP.format(url=repo.url, version="1.2.1"),
                "k3d/podinfo.yaml": APP.format(url=repo.url, version="1.0.0"),
                "gitops-bot.yaml": CONFIG.format(url=repo.url),
            },
        )
        code = main(["plan", "--repo", str(work), "--output", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert main(["update", "--repo", str(work), "--dry-run"]) == 0
        dry, _ = capsys.readouterr()
    ((chart,),) = [e["charts"] for e in json.loads(out)["environments"]]
    assert (chart["action"], chart["current"], chart["candidate"]) == (
        "update",
        {"version": "1.0.0"},
        {"version": "1.2.1"},
    ), chart
    assert chart["file"] == "k3d/podinfo.yaml"
    # the release is written where it is behind; the place already at it needs no edit
    assert "-    targetRevision: 1.0.0\n+    targetRevision: 1.2.1" in dry, dry
    assert "1.2.1 -> 1.2.1" not in dry and dry.count("+    targetRevision:") == 1, dry


@pytest.mark.parametrize(
    ("versions", "behind"),
    [
        (["v1.14.4", "v1.11.0", "v1.14.4"], "v1.11.0"),
        (["1.2.1", "1.2.1"], None),  # they agree
        (["1.2.1", "main"], None),  # a branch is no version the bot orders
        (["1.10.0", "1.9.0"], "1.9.0"),  # by number, not by text
    ],
)
def test_behind_version(versions: list[str], behind: str | None) -> None:
    assert behind_version(versions) == behind
