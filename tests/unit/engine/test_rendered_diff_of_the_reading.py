"""The rendered diff of an environment with no kustomization among its paths is the reading's
own render of it, before and after the release: a chart its path is or a values file beside a
chart (installed by hand), an Argo CD Application over a kustomization (built as Argo CD builds it, its kustomize fields
applied) and a directory of plain manifests each show the container's image changing, where
the diff read 'not rendered: no kustomization among the environment's paths'. Real kubectl and
helm render it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from testkit.kubetools import helm, kubectl
from testkit.local_git import committed
from testkit.plans import one_update

IMAGE = "ghcr.io/acme/web"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: {image}
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-dev}
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: HEAD
    path: base
    kustomize:
      namePrefix: dev-
  destination: {server: https://kubernetes.default.svc, namespace: dev}
"""
SHAPES = {
    "chart": (
        "chart",
        "chart/values.yaml",
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "chart/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.1.0\n",
            "chart/templates/deployment.yaml": DEPLOYMENT.format(
                image='"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
            ),
        },
    ),
    # a values file beside its chart (helm install of the chart with it): the diff read no object
    # in the values files and said 'rendered output does not change'
    "values file": (
        "chart/values-dev.yaml",
        "chart/values-dev.yaml",
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "chart/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.0.0\n",
            "chart/values-dev.yaml": "image:\n  tag: 1.1.0\n",
            "chart/templates/deployment.yaml": DEPLOYMENT.format(
                image='"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
            ),
        },
    ),
    "application": (
        "apps/dev.yaml",
        "base/deployment.yaml",
        {
            "apps/dev.yaml": APPLICATION,
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT.format(image=f"{IMAGE}:1.1.0"),
        },
    ),
    "plain": (
        "manifests",
        "manifests/deployment.yaml",
        {"manifests/deployment.yaml": DEPLOYMENT.format(image=f"{IMAGE}:1.1.0")},
    ),
}
CONFIG = f"""version: 1
render: {{kubectl: KUBECTL, helm: HELM}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: dev
    path: PATH
"""


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_rendered_diff_is_the_readings_render_of_the_environment(tmp_path: Path, shape: str) -> None:
    path, place, files = SHAPES[shape]
    root = tmp_path / "repo"
    config = CONFIG.replace("KUBECTL", kubectl()).replace("HELM", helm()).replace("PATH", path)
    committed(root, {"gitops-bot.yaml": config, **files})
    app = open_app(root)
    (image,) = app.reading(app.config.environment("dev")).images
    assert image.effective is not None and image.effective.file == place, image
    (rendered,) = edits.rendered_of(app, one_update("dev", IMAGE, place, "1.1.0", "1.2.0"))
    said = json.dumps(rendered.to_json())
    assert '"before": "ghcr.io/acme/web:1.1.0", "after": "ghcr.io/acme/web:1.2.0"' in said, said
    assert '"error"' not in said, said
    if shape == "application":  # built as Argo CD builds it: its namePrefix applied
        assert "Deployment dev-web" in said, said
