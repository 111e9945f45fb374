"""A kustomization whose ``helmCharts`` inflate the repository's own chart of Argo CD
Applications (an app of apps kustomize builds) that nothing here builds or renders: the root
applied by hand is that kustomization, one environment, read as kustomize inflates the chart
with its values files; never the chart over its own empty values, nor one environment per
application directory it deploys."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

# Vikaspogu/home-ops clusters/talos/apps/kustomization.yaml: `helmCharts` over the repository's own
# chart helm/charts/argocd-app-of-app (`helmGlobals.chartHome: ../../../helm/charts`), its values
# files (clusters/talos/apps/20-applications.yaml, ...) listing each Application's
# `source.path: components/<ns>/<app>`; one cluster. init writes 30 environments, one per app
# (`actual`, `bazarr`, ...) plus `default` = the chart over its own values.yaml
APP_OF_APP_TEMPLATE = """{{- range $key, $val := .Values.applications }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ $key }}
  namespace: argo-system
spec:
  project: default
  destination:
    server: {{ $.Values.default.app.destination.server }}
    namespace: {{ $val.destination.namespace }}
  source:
    repoURL: {{ $.Values.default.app.source.repoURL }}
    targetRevision: {{ $.Values.default.app.source.targetRevision }}
    path: {{ $val.source.path }}
{{- end }}
"""
APP_OF_APP_VALUES = """default:
  app:
    destination: {server: https://kubernetes.default.svc}
    source: {repoURL: https://github.com/acme/home-ops.git, targetRevision: HEAD}
applications:
  bazarr:
    destination: {namespace: default}
    source: {path: components/default/bazarr}
  radarr:
    destination: {namespace: default}
    source: {path: components/default/radarr}
"""
CLUSTER_APPS = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmGlobals:
  chartHome: ../../../helm/charts
helmCharts:
  - name: argocd-app-of-app
    valuesFile: ./applications.yaml
"""


def test_a_kustomization_rendering_a_chart_of_applications_is_one_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        "helm/charts/argocd-app-of-app/Chart.yaml": "apiVersion: v2\nname: argocd-app-of-app\nversion: 0.3.0\n",
        "helm/charts/argocd-app-of-app/values.yaml": "default: {app: {}}\napplications: {}\n",
        "helm/charts/argocd-app-of-app/templates/applications.yaml": APP_OF_APP_TEMPLATE,
        "clusters/talos/apps/kustomization.yaml": CLUSTER_APPS,
        "clusters/talos/apps/applications.yaml": APP_OF_APP_VALUES,
    }
    for app, image in (
        ("bazarr", "ghcr.io/home-operations/bazarr:1.5.2"),
        ("radarr", "ghcr.io/home-operations/radarr:6.0.4"),
    ):
        files[f"components/default/{app}/kustomization.yaml"] = "resources: [./deployment.yaml]\n"
        files[f"components/default/{app}/deployment.yaml"] = small_repos.deployment(app, image)
    found = discover(write(tmp_path, files))
    assert {i.name for i in found.images} == {
        "ghcr.io/home-operations/bazarr",
        "ghcr.io/home-operations/radarr",
    }
    (env,) = found.environments
    assert env.paths == ("clusters/talos/apps",), [(e.name, e.paths) for e in found.environments]
    assert "a kustomization inflating the chart of Applications helm/charts/argocd-app-of-app" in env.how[0]
