"""An Application whose chart's templates are Argo CD Applications (app of apps): the rules do
not follow the Applications a template yields (their fields are Go templates), and the
environment says so in its not-rendered line instead of only 'nothing renders names it'."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
ROOT_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root-staging}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: root
    helm: {valueFiles: [values-staging.yaml]}
"""
CHILD = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{{ .Values.env }}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: chart
    helm:
      valueFiles: [values-{{ .Values.env }}.yaml]
"""


def test_an_app_of_apps_is_said_as_not_followed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "apps/staging.yaml": ROOT_APP,
            "root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 0.1.0\n",
            "root/templates/app.yaml": CHILD,
            "root/values-staging.yaml": "env: staging\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "chart/values-staging.yaml": f"image: {{repository: {IMAGE}, tag: 1.0.0}}\n",
        },
    )
    specs = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source("staging", ("apps/staging.yaml",), (IMAGE,))]
    )
    (image,) = read["staging"].images
    assert image.status is PinStatus.NOT_RENDERED
    assert (
        image.reason is not None
        and (
            "root-staging renders chart root, whose templates are Argo CD Applications (app of apps): "
            "the Applications they yield are not followed by the bot's rules"
        )
        in image.reason
    ), image.reason
