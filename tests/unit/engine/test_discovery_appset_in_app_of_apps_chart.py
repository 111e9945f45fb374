"""An ApplicationSet that is a template of an app-of-apps chart (its generator's expressions
escaped for helm): Argo CD renders the chart with helm, then runs the ApplicationSet's
generators, so the Applications it generates from this repository are the environment's, read
as written ones; one it cannot expand is said, never "renders nothing"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import helm
from testkit.local_git import write

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


# pf56/home-ops kubernetes/infrastructure/root/templates/apps.yaml: the ApplicationSet is a
# template of an app-of-apps chart (its generator's expressions escaped for helm), which the
# root Application (kubernetes/clusters/home-argo/templates/root.yaml) deploys
ROOT_OVER_CHART = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root-app, namespace: argocd}
spec:
  project: default
  source: {path: kubernetes/infrastructure/root, repoURL: https://git.example.com/acme/home-ops, targetRevision: main}
  destination: {namespace: default, server: https://kubernetes.default.svc}
"""
APPSET_IN_A_CHART = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: {{ .Values.spec.source.repoURL }}
      revision: {{ .Values.spec.source.targetRevision }}
      files:
        - path: kubernetes/apps/*/config.yaml
  template:
    metadata:
      name: '{{ `{{ .name }}` }}'
    spec:
      project: default
      source:
        repoURL: {{ .Values.spec.source.repoURL }}
        targetRevision: {{ .Values.spec.source.targetRevision }}
        path: '{{ `{{ .path.path }}` }}'
      destination:
        server: {{ .Values.spec.destination.server }}
        namespace: '{{ `{{ .namespace }}` }}'
"""
ROOT_VALUES = """spec:
  source: {repoURL: https://git.example.com/acme/home-ops, targetRevision: main}
  destination: {server: https://kubernetes.default.svc}
"""


def test_an_applicationset_templated_in_an_app_of_apps_chart_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # init said kubernetes/apps/radarr is "a Helm chart that nothing in this repository
    # deploys" and stopped with "found no environment" (pf56: every app and infrastructure chart)
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())  # as on a runner: helm renders the root chart
    root = write(
        tmp_path,
        {
            "kubernetes/clusters/home/root.yaml": ROOT_OVER_CHART,
            "kubernetes/infrastructure/root/Chart.yaml": "apiVersion: v2\nname: root-app\nversion: 1.0.0\n",
            "kubernetes/infrastructure/root/values.yaml": ROOT_VALUES,
            "kubernetes/infrastructure/root/templates/apps.yaml": APPSET_IN_A_CHART,
            "kubernetes/apps/radarr/config.yaml": "name: radarr\nnamespace: radarr\n",
            "kubernetes/apps/radarr/Chart.yaml": "apiVersion: v2\nname: radarr\nversion: 1.0.0\n",
            "kubernetes/apps/radarr/values.yaml": "image:\n  repository: lscr.io/linuxserver/radarr\n"
            "  tag: 6.0.4.10291-ls288\n",
            "kubernetes/apps/radarr/templates/deployment.yaml": TEMPLATE,
        },
    )
    found = discover(root)
    assert [e.name for e in found.environments] == ["in-cluster"], found.notes
    assert [i.name for i in found.images] == ["lscr.io/linuxserver/radarr"], found.notes


def test_an_applicationset_the_chart_yields_that_cannot_be_expanded_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    unexpandable = APPSET_IN_A_CHART.replace(
        "  - git:\n      repoURL: {{ .Values.spec.source.repoURL }}\n",
        "  - pullRequest:\n      github: {owner: acme, repo: home-ops}\n  - git:\n"
        "      repoURL: {{ .Values.spec.source.repoURL }}\n",
    )
    assert unexpandable != APPSET_IN_A_CHART
    write(
        tmp_path,
        {
            "root.yaml": ROOT_OVER_CHART,
            "kubernetes/infrastructure/root/Chart.yaml": "apiVersion: v2\nname: root-app\nversion: 1.0.0\n",
            "kubernetes/infrastructure/root/values.yaml": ROOT_VALUES,
            "kubernetes/infrastructure/root/templates/apps.yaml": unexpandable,
        },
    )
    specs = [images.ImageSpec("radarr", "lscr.io/linuxserver/radarr")]
    source = reader.Source("home", ("root.yaml",), ("radarr",))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path, render=RenderSettings()).read(
        [source]
    )
    notes = " ".join(map(str, read["home"].notes))
    assert "ApplicationSet apps" in notes and "the Applications it generates are not followed" in notes, notes
