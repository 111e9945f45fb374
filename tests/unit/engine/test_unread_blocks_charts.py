"""A file an environment renders that the bot could not read (here over the 4 MiB bound) blocks
the charts of the deployer unit reading it as it blocks its images: what the file pins is not
known, so no chart of that unit is released, each target saying the file, why and the fix; the
environment's other units and the other environments are read as before. An image such a file alone may pin is a target skipped with the same words, so an
environment listing no images: is not left unsaid. The tree is kubernetes-sdlc's (copied data,
tests/data/charts/whole/kubernetes-sdlc/SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.model import PlanAction
from gitops_bot.engine.app import open_app
from gitops_bot.git.branch_tree import MAX_BLOB
from gitops_bot.release import planning
from testkit.paths import TEST_DATA, kubernetes_sdlc

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


def test_a_file_not_read_blocks_the_charts_of_the_unit_reading_it(tmp_path: Path) -> None:
    """development's Flux cluster directory holds the file not read: Flux applies that
    Kustomization with it and platform-services alone, so podinfo (pinned in the cluster
    directory) is skipped with the file, why and fix, and kyverno (pinned in platform/services)
    is read; staging reads as before."""
    work = tmp_path / "sdlc"
    kubernetes_sdlc(work)
    (work / "gitops-bot.yaml").write_text(CONFIG)
    # a committed `helm template` of a chart with its CRDs, beside the cluster's own files
    (work / "clusters/development/rendered.yaml").write_text("# rendered\n" + "#" * MAX_BLOB)
    app = open_app(work)
    dev = app.config.environment("development")
    assert app.reading(dev).blocked is None
    targets = {t.chart.name: t for t in app.chart_targets(dev)}
    assert targets["kyverno"].version is not None and not targets["kyverno"].unpinned, targets
    item = planning.chart_item(targets["podinfo"], None)
    assert item.action is PlanAction.SKIP and targets["podinfo"].version is None, item
    assert item.reason == (
        "clusters/development/rendered.yaml, which development renders, is not read (4.0 MiB, more than "
        "the 4 MiB the bot reads of a file; what it sets is not read) (fix: split it into files under 4 MiB)"
    ), item.reason
    staging = {t.chart.name: t for t in app.chart_targets(app.config.environment("staging"))}
    assert staging["podinfo"].version == ">5.0.0", staging  # read as before


def test_an_image_pinned_only_in_a_file_not_read_is_said_skipped_though_the_environment_lists_none(
    tmp_path: Path,
) -> None:
    """An environment taking every configured image it renders (no images: list) whose one
    file is over the bound: its images are targets skipped with the reason, where none was a
    target and update said nothing of it."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m/rendered.yaml").write_text("# helm template\n" + "#" * MAX_BLOB)
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n- name: app\n  repository: ghcr.io/acme/app\n"
        "environments:\n- name: dev\n  path: m\n"
    )
    app = open_app(tmp_path)
    (target,) = app.targets(app.config.environment("dev"))
    item = planning.not_deployed(target)
    assert item.action is PlanAction.SKIP, item
    assert item.reason.startswith("unsupported: m/rendered.yaml, which dev renders, is not read (4.0 MiB"), (
        item
    )


def test_a_unit_its_tool_refuses_blocks_the_charts_it_pins_not_its_neighbours(tmp_path: Path) -> None:
    """development's Flux cluster directory lists a generated file its clone lacks: Flux fails
    that Kustomization and still syncs platform-services, so podinfo (pinned in the refused unit)
    is said with the refusal and kyverno (pinned in platform/services) is read."""
    work = kubernetes_sdlc(tmp_path / "sdlc")
    (work / "clusters/development/flux-system/gotk-components.yaml").unlink()
    (work / "gitops-bot.yaml").write_text(CONFIG)
    app = open_app(work)
    dev = app.config.environment("development")
    assert app.reading(dev).blocked is None, app.reading(dev)
    targets = {t.chart.name: t for t in app.chart_targets(dev)}
    assert targets["kyverno"].version is not None and not targets["kyverno"].unpinned, targets
    item = planning.chart_item(targets["podinfo"], None)
    assert item.action is PlanAction.SKIP and targets["podinfo"].version is None, item
    assert item.reason.startswith(
        "kustomize refuses clusters/development/flux-system/kustomization.yaml: its resources: entry "
        "'gotk-components.yaml' names"
    ), item.reason
