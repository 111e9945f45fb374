"""A chart environment promoted from one that does not pin the chart: nothing can ever promote
it (no policy runs under promote_from, and ``promote`` carries only the versions the source
pins), so the plan says so with the fix, in the words an image's plan uses, where it said
"receives promotions from dev; run 'gitops-bot promote dev production'", which changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.local_git import committed

REPO = "https://127.0.0.1:1/charts"  # never asked: no environment's policy lists its versions
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        image: example/app:1.0.0\n"
)
HELM_CHARTS = f"helmCharts:\n- name: podinfo\n  repo: {REPO}\n  version: 6.5.0\n  releaseName: podinfo\n"
CONFIG = f"""\
version: 1
images: []
charts:
  - name: podinfo
    repository: {REPO}
environments:
  - name: dev
    path: overlays/dev
  - name: production
    path: overlays/production
    promote_from: dev
"""


def _repo(tmp: Path, dev_pins: bool) -> Path:
    files = {
        "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n" + (HELM_CHARTS if dev_pins else ""),
        "overlays/dev/deploy.yaml": DEPLOY,
        "overlays/production/kustomization.yaml": "resources:\n- deploy.yaml\n" + HELM_CHARTS,
        "overlays/production/deploy.yaml": DEPLOY,
        "gitops-bot.yaml": CONFIG,
    }
    return committed(tmp, files)


def _production_chart(repo: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["plan", "--repo", str(repo), "--env", "production", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    (chart,) = [c for e in doc["environments"] if e["name"] == "production" for c in e["charts"]]
    return chart  # type: ignore[no-any-return]


def test_a_source_that_does_not_pin_the_chart_says_nothing_can_promote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = _production_chart(_repo(tmp_path, dev_pins=False), capsys)
    assert chart["action"] == "skip", chart
    assert chart["reason"] == (
        "dev does not run podinfo: nothing can promote it (fix: drop promote_from, or run the same chart in both)"
    )


def test_a_source_that_pins_the_chart_still_promotes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = _production_chart(_repo(tmp_path, dev_pins=True), capsys)
    assert chart["action"] == "none", chart
    assert chart["reason"] == "receives promotions from dev; run 'gitops-bot promote dev production'"
