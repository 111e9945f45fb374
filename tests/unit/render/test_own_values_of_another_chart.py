"""An environment's own values file of ANOTHER chart is no layer over an image: code-dot-org/k8s-gitops
(newcomer16 N0) in-cluster renders the helloworld chart, whose values another environment renders too,
and the Kargo chart with its own values file; the release of nginx was proposed as 'a helm values
key in apps/kargo/values.yaml', the Kargo chart's values, where nothing of helloworld reads it."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write
from testkit.small_repos import deployment

IMAGE = "ghcr.io/acme/web"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/gitops.git
    targetRevision: HEAD
    path: {path}
    helm: {{valueFiles: [{values}]}}
  destination: {{server: https://kubernetes.default.svc, namespace: {name}}}
"""


def test_an_own_values_file_of_another_chart_is_not_where_the_image_is_released(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "web/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.0.0\n",
            "web/templates/deploy.yaml": deployment(
                "web", "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
            ),
            "kargo/Chart.yaml": "apiVersion: v2\nname: kargo\nversion: 0.1.0\n",
            "kargo/values.yaml": "replicas: 1\n",
            "kargo/values-cluster.yaml": "replicas: 2\n",
            "apps/web.yaml": APPLICATION.format(name="web", path="web", values="values.yaml"),
            "apps/kargo.yaml": APPLICATION.format(
                name="kargo", path="kargo", values="values.yaml, values-cluster.yaml"
            ),
        },
    )
    sources = [
        reader.Source("in-cluster", ("apps/web.yaml", "apps/kargo.yaml"), (IMAGE,)),
        reader.Source("dev", ("web/values.yaml",), (IMAGE,)),
    ]
    read = reader.Reader(reader.DiskTree(root), root, SPECS, root).read(sources)
    (image,) = read["in-cluster"].images
    assert image.would_write is None or "kargo" not in image.would_write.file, image
    assert image.status is PinStatus.UNSUPPORTED and image.fix and "values file of its own" in image.fix, (
        image
    )
