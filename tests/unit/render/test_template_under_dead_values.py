"""A chart whose template writes the image whole, rendered by two environments each through a
values file of its own that sets the tag (an ApplicationSet's per-environment values files):
the values are never read, and the fix is the chart's (take the image from the values), not a
kustomize overlay, which a chart deployed by Argo CD has no use for."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.config import load
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:latest
"""
APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps}
spec:
  generators:
  - list:
      elements:
      - {name: dev, valuesFile: values-dev.yaml}
      - {name: prod, valuesFile: values-prod.yaml}
  template:
    metadata: {name: '{{name}}'}
    spec:
      source:
        repoURL: https://github.com/acme/deploy.git
        targetRevision: HEAD
        path: app
        helm:
          valueFiles: ['{{valuesFile}}']
      destination: {namespace: default}
"""


CONFIG = """version: 1
render: {kubectl: KUBECTL, helm: HELM}
images:
  - name: nginx
    policy: digest
    tag: latest
    helm: {repository: image.repository, tag: image.tag}
environments:
  - {name: dev, path: app/values-dev.yaml}
  - {name: prod, path: app/values-prod.yaml}
"""


def test_the_dead_values_are_named_and_the_fix_is_the_charts(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.replace("KUBECTL", kubectl()).replace("HELM", helm()),
            "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "app/values.yaml": "replicaCount: 1\n",
            "app/values-dev.yaml": "image:\n  tag: latest\n",
            "app/values-prod.yaml": "image:\n  tag: stable\n",
            "app/templates/deployment.yaml": TEMPLATE,
            "apps/appset.yaml": APPSET,
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), ("nginx",)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    (dev,) = proven.prove(config, tmp_path, list(config.environments), specs, rules)["dev"].images
    assert dev.status is PinStatus.UNSUPPORTED, dev
    assert dev.reason is not None and dev.reason.endswith(
        "the chart's template writes the image whole, so app/values-dev.yaml:2 is never read"
    ), dev.reason
    assert dev.fix is not None and "overlay" not in dev.fix, dev.fix
    assert dev.fix.startswith("take the image from the chart's values (image: {{ .Values.image.repository }}")
    assert dev.fix.endswith("app/values-dev.yaml is then dev's pin"), dev.fix
