"""An app-of-apps chart that also installs Argo CD itself as a dependency from a chart repository
(pf56/home-ops kubernetes/clusters/home-argo: argo-cd 9.1.4 in Chart.yaml, nothing under
charts/): Argo CD fetches the dependency, the bot fetches nothing, and helm refused the chart
("missing in charts/ directory"), so none of its Applications was followed (2 of 36 pins read).
The chart is rendered with an empty stand-in for it: its own templates are the Applications."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.kubetools import helm
from testkit.local_git import write

CHART = """apiVersion: v2
name: home-argo
version: 0.1.0
dependencies:
  - name: argo-cd
    version: 9.1.4
    repository: https://argoproj.github.io/argo-helm
"""
ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source:
    repoURL: {{ .Values.repoURL }}
    targetRevision: main
    path: apps/web
  destination: {server: https://kubernetes.default.svc, namespace: web}
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.2.3
"""


def test_its_applications_are_followed_past_a_dependency_not_vendored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    root = write(
        tmp_path,
        {
            "clusters/home/Chart.yaml": CHART,
            "clusters/home/values.yaml": "repoURL: https://github.com/acme/home-ops\nargo-cd: {}\n",
            "clusters/home/templates/web.yaml": ROOT,
            "apps/web/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/web/deployment.yaml": DEPLOYMENT,
        },
    )
    found = discover(root)
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"], found.notes
    assert [c.name for c in found.charts] == ["argo-cd"], found.notes
    assert not (root / "clusters/home/charts").exists()  # the stand-in is in the render's copy only
