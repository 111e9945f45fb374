"""A chart of Argo CD Applications that no Application of the repository deploys: the root of an
app of apps applied by hand (``argocd app create apps --path apps``, Argo CD's cluster
bootstrapping). An environment whose path is that chart reads what Argo CD renders from it: the
Applications its templates yield over the chart's own values, each followed to its pin."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import app_of_apps
from testkit.kubetools import helm
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
FILES = {
    **app_of_apps.child_chart(IMAGE),
    "chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.1.0\n",
    **app_of_apps.chart([{"name": "dev", "path": "chart", "values": "values-dev.yaml"}]),
}


def _read(root: Path, render: RenderSettings | None) -> reader.EnvironmentReading:
    source = reader.Source("dev", ("apps",), (IMAGE,))
    return reader.Reader(reader.DiskTree(root), root, SPECS, root, render=render).read([source])["dev"]


def test_a_root_chart_nothing_deploys_is_rendered_as_applied_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    write(tmp_path, FILES)
    read = _read(tmp_path, RenderSettings())
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("chart/values-dev.yaml:3", "1.1.0")
    notes = list(map(str, read.notes))
    assert any(
        "read as the root of an app of apps applied by hand (argocd app create apps" in n for n in notes
    )
    assert "apps: apps yields app-dev (apps/templates/applications.yaml)" in notes, notes
    # a guess, and the repoURL it takes: said on the environment, where plan prints its notes
    assert [s for s in read.said if "applied by hand" in s and "repoURL taken as this repository" in s], (
        read.said
    )


def test_without_helm_the_root_applied_by_hand_says_what_to_install(tmp_path: Path) -> None:
    write(tmp_path, FILES)
    read = _read(tmp_path, None)
    (image,) = read.images
    assert image.status is not PinStatus.PINNED
    assert any("install helm" in str(n) for n in read.notes), read.notes


def test_a_root_chart_an_application_deploys_is_not_taken_as_applied_by_hand(tmp_path: Path) -> None:
    # what that Application sets (its values, its parameters) is what Argo CD renders the
    # chart with, not the chart's own values: the by-hand reading would guess
    write(tmp_path, {**FILES, "root.yaml": app_of_apps.root("apps", "root")})
    read = _read(tmp_path, None)
    assert not any("applied by hand" in str(n) for n in read.notes), read.notes


@pytest.mark.parametrize(
    ("helm_values", "by_hand"), [("", True), ("    helm: {valueFiles: [values-x.yaml]}\n", False)]
)
def test_a_root_chart_holding_its_own_application_is_read_as_applied_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helm_values: str, by_hand: bool
) -> None:
    """The chart's templates hold, written plainly, the Application over the chart itself (a
    root that manages itself once applied by hand): setting nothing, it renders the chart as by
    hand, and dev is read; the reading took it for another Application deploying the chart and
    said 'nothing dev renders names' the image. One setting values of its own still is not."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    itself = app_of_apps.root("apps", "root").replace("  destination:", helm_values + "  destination:")
    write(tmp_path, {**FILES, "apps/templates/root.yaml": itself})
    read = _read(tmp_path, RenderSettings())
    (image,) = read.images
    assert any("applied by hand" in str(n) for n in read.notes) is by_hand, read.notes
    assert (image.status is PinStatus.PINNED) is by_hand, (image, read.notes)


def test_a_root_chart_applied_by_hand_under_a_configuration_in_a_subdirectory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gitops-bot.yaml in deploy/: the environment's path is apps, the Application's path the
    # repository's deploy/apps; it was taken as apps ('apps's path apps is not in the repository')
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        **app_of_apps.child_chart(IMAGE, "deploy/chart"),
        "deploy/chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.1.0\n",
        **app_of_apps.chart(
            [{"name": "dev", "path": "deploy/chart", "values": "values-dev.yaml"}], "deploy/apps"
        ),
    }
    write(tmp_path, files)
    source = reader.Source("dev", ("apps",), (IMAGE,))
    read = reader.Reader(
        reader.DiskTree(tmp_path), tmp_path / "deploy", SPECS, tmp_path, render=RenderSettings()
    )
    (image,) = read.read([source])["dev"].images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None and image.effective.place == "chart/values-dev.yaml:3", image
