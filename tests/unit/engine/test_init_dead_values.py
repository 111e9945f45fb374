"""init on a chart whose template writes the image whole while per-environment values files set
image.repository and image.tag the chart never reads (01011011/aks-argocd-helm-appset's shape):
the written configuration says only what the reading proves. The tag that runs is the template's;
the values files' keys and tags are said as never read, never as found or pinned."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinKind
from gitops_bot.engine import init_config
from gitops_bot.engine.discovery import discover
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


def _repo(tmp_path: Path, template: str = TEMPLATE) -> Path:
    return write(
        tmp_path,
        {
            "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "app/values.yaml": "replicaCount: 1\n",
            "app/values-dev.yaml": "image:\n  repository: nginx\n  tag: latest\n",
            "app/values-prod.yaml": "image:\n  repository: nginx\n  tag: stable\n",
            "app/templates/deployment.yaml": template,
            "apps/appset.yaml": APPSET,
        },
    )


def test_values_a_template_never_reads_are_said_dead_not_found(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    (nginx,) = found.images
    # what runs is the template's latest, in both: stable is pinned nowhere that renders
    assert set(nginx.tags) == {"latest"}, nginx.tags
    for env in ("dev", "prod"):
        reading = found.readings[env].image("nginx")
        assert reading is not None
        dead = [p for p in reading.pins if p.kind is PinKind.HELM]
        assert dead and not any(p.effective for p in dead), reading.pins
    text = init_config.config_text(found)
    assert "different tags pinned" not in text and "stable" not in text, text
    (helm,) = [line for line in text.splitlines() if line.startswith("  helm:")]
    assert "found: the chart or values key paths" not in helm, helm
    assert "never read" in helm and "app/values-dev.yaml:3" in helm, helm
    assert "app/templates/deployment.yaml:9" in helm, helm


def test_values_the_template_reads_are_found(tmp_path: Path) -> None:
    templated = TEMPLATE.replace("nginx:latest", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    found = discover(_repo(tmp_path, templated))
    (nginx,) = found.images
    assert sorted(nginx.tags) == ["latest", "stable"]
    (helm,) = [line for line in init_config.config_text(found).splitlines() if line.startswith("  helm:")]
    assert "never read" not in helm and "# found:" in helm, helm
