"""A file an environment renders that the bot could not read (here over the 4 MiB bound) blocks
its charts as it blocks its images: what the file pins is not known, so no chart of it is
released, each target saying the file, why and the fix; the other environments' charts are read
as before. The tree is kubernetes-sdlc's (copied data, tests/data/charts/whole/kubernetes-sdlc/
SOURCE.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gitops_bot.core.model import PlanAction
from gitops_bot.engine.app import open_app
from gitops_bot.git.branch_tree import MAX_BLOB
from gitops_bot.release import planning
from testkit.paths import TEST_DATA

SDLC = TEST_DATA / "charts" / "whole" / "kubernetes-sdlc"
CONFIG = """version: 1
images: []
environments:
- name: development
  paths: [platform/services, clusters/development]
- name: staging
  paths: [clusters/staging]
  charts: [kyverno, podinfo]
charts:
- name: kyverno
  repository: https://kyverno.github.io/kyverno/
- name: podinfo
  repository: https://stefanprodan.github.io/podinfo
"""


def test_a_file_not_read_blocks_every_chart_of_its_environment(tmp_path: Path) -> None:
    work = tmp_path / "sdlc"
    shutil.copytree(SDLC, work)
    (work / "gitops-bot.yaml").write_text(CONFIG)
    # a committed `helm template` of a chart with its CRDs, beside the cluster's own files
    (work / "clusters/development/rendered.yaml").write_text("# rendered\n" + "#" * MAX_BLOB)
    app = open_app(work)
    dev = app.config.environment("development")
    assert app.reading(dev).blocked is not None
    targets = app.chart_targets(dev)
    assert {t.chart.name for t in targets} == {"kyverno", "podinfo"}, targets
    for t in targets:
        item = planning.chart_item(t, None)
        assert item.action is PlanAction.SKIP and t.version is None, item
        assert item.reason.startswith(
            "clusters/development/rendered.yaml, which development renders, is not read (4.0 MiB, more than "
            "the 4 MiB the bot reads of a file; what it sets is not read); a release must write every place "
            "that sets a version, so nothing of development is released (fix: split it into files under 4 MiB)"
        ), item.reason
    staging = {t.chart.name: t for t in app.chart_targets(app.config.environment("staging"))}
    assert staging["podinfo"].version == ">5.0.0", staging  # read as before
