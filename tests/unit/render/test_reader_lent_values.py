"""An Argo CD Application over a chart from a chart repository, with its value files from this
repository (``sources:`` with a ``ref:``, ``$values/...``): the chart is never fetched, but Argo
CD hands helm those files as they are, so the image keys they set are the environment's pins
(the shape of iamenr0s/gitops-argocd's influxdb/application.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import helm_render, reader

APP = "influxdb"
SPEC = images.ImageSpec(APP, "influxdb", {"repository": "image.repository", "tag": "image.tag"})
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: influxdb
spec:
  sources:
    - repoURL: https://helm.influxdata.com/
      chart: influxdb2
      targetRevision: 2.1.2
      helm:
        valueFiles:
          - $values/influxdb/values.yml
          - $other/shared/values.yml
    - repoURL: https://github.com/acme/gitops.git
      targetRevision: main
      ref: values
    - repoURL: https://github.com/acme/values.git
      ref: other
"""
VALUES = "image:\n  repository: influxdb\n  tag: 2.7.4-alpine\n"
CHART = "apiVersion: v2\nname: influxdb2\nversion: 0.1.0\n"


def _read(root: Path, files: dict[str, str]) -> reader.EnvironmentReading:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    source = reader.Source("homelab", ("influxdb/application.yml",), (APP,))
    return reader.Reader(reader.DiskTree(root), root, [SPEC]).read([source])["homelab"]


def test_the_value_file_an_application_lends_a_chart_of_a_chart_repository_is_its_pin(tmp_path: Path) -> None:
    found = _read(tmp_path, {"influxdb/application.yml": APPLICATION, "influxdb/values.yml": VALUES})
    image = found.image(APP)
    assert image is not None and image.status is PinStatus.PINNED, image
    assert image.effective is not None
    assert (image.effective.file, image.effective.line, image.effective.tag) == (
        "influxdb/values.yml",
        3,
        "2.7.4-alpine",
    )
    notes = " ".join(found.notes)
    assert "influxdb renders influxdb2 from https://helm.influxdata.com/, not followed" in notes
    # a ref whose file this repository does not hold is another repository's: said, not refused
    assert "influxdb's value file $other/shared/values.yml (another source), not followed" in notes


def test_without_the_lent_file_the_image_is_not_rendered_and_said(tmp_path: Path) -> None:
    found = _read(tmp_path, {"influxdb/application.yml": APPLICATION})
    image = found.image(APP)
    assert image is not None and image.status is PinStatus.NOT_RENDERED
    assert "influxdb's value file $values/influxdb/values.yml (another source), not followed" in " ".join(
        found.notes
    )


def test_a_ref_of_another_repository_lends_no_file_of_this_one(tmp_path: Path) -> None:
    # the repository's own Applications name it https://github.com/acme/gitops (a source whose
    # path it holds): $other is acme/values', so a shared/values.yml here is not what Argo CD
    # hands helm, however it reads
    own = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: apps\nspec:\n"
        "  source:\n    repoURL: git@github.com:acme/gitops.git\n    path: influxdb\n"
    )
    found = _read(
        tmp_path,
        {
            "influxdb/application.yml": APPLICATION,
            "influxdb/values.yml": VALUES,
            "shared/values.yml": "image:\n  repository: influxdb\n  tag: 9.9.9\n",
            "root/apps.yaml": own,
        },
    )
    image = found.image(APP)
    assert image is not None and image.effective is not None, image
    assert (image.effective.file, image.effective.tag) == ("influxdb/values.yml", "2.7.4-alpine")
    assert "shared/values.yml" not in found.rendered
    assert (
        "influxdb's value file $other/shared/values.yml is a file of https://github.com/acme/values.git "
        "(its ref source), not this repository's: not followed"
    ) in " ".join(found.notes), found.notes


@pytest.mark.parametrize("chart", ["of a chart repository", "of this repository"])
def test_a_ref_tracking_another_revision_lends_no_file_of_this_checkout(tmp_path: Path, chart: str) -> None:
    # Argo CD reads $values/influxdb/values.yml at the ref source's targetRevision, a release
    # branch: this checkout's file there is not what helm is handed, and a release writing it
    # changes nothing that runs. It was read as the pin, and proposed; a chart of this repository
    # the Application renders read it too, by the rules and by helm
    pinned = APPLICATION.replace(
        "      targetRevision: main\n      ref: values",
        "      targetRevision: release-2026.11\n      ref: values",
    )
    if chart == "of this repository":
        pinned = pinned.replace(
            "    - repoURL: https://helm.influxdata.com/\n      chart: influxdb2\n      targetRevision: 2.1.2",
            "    - repoURL: https://github.com/acme/gitops.git\n      path: chart\n      targetRevision: HEAD",
        )
    files = {"influxdb/application.yml": pinned, "influxdb/values.yml": VALUES, "chart/Chart.yaml": CHART}
    found = _read(tmp_path, files)
    image = found.image(APP)
    assert image is not None and image.status is not PinStatus.PINNED, image
    assert (
        "influxdb's value file $values/influxdb/values.yml is read by Argo CD at release-2026.11 (its ref "
        "source's targetRevision), not at this checkout's branch: not followed" in " ".join(found.notes)
    ), found.notes
    rendered = helm_render.charts(tmp_path, helm_render.objects(pinned))
    assert len(rendered) == (chart == "of this repository"), rendered
    assert all(c.value_files == () and not c.whole for c in rendered), rendered
