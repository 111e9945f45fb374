"""An ApplicationSet whose Applications take their source from its ``templatePatch`` deploys
the directories it generates: init finds the environment and the images they pin."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

# mmalyska/home-ops cluster/appsets/appset-default.yaml: a git files generator whose
# Applications take their source (and its path) from the ApplicationSet's templatePatch
ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root-app, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/acme/home-ops, targetRevision: main, path: cluster/appsets}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""
APPSET_PATCHED = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: appset-default, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/acme/home-ops
        revision: main
        files:
          - path: cluster/apps/default/*/app-config.yaml
  template:
    metadata: {name: '{{.path.basename}}', namespace: argocd}
    spec:
      project: default
      destination: {server: https://kubernetes.default.svc, namespace: '{{.namespace}}'}
  templatePatch: |
    spec:
      source:
        repoURL: https://github.com/acme/home-ops
        targetRevision: main
        path: '{{.path.path}}'
"""
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


def test_an_applicationset_source_path_in_its_template_patch_is_deployed(tmp_path: Path) -> None:
    # init said every chart under cluster/apps is one "nothing in this repository deploys" and
    # stopped with "found no environment" (exit 2)
    root = write(
        tmp_path,
        {
            "cluster/bootstrap-application.yaml": ROOT,
            "cluster/appsets/appset-default.yaml": APPSET_PATCHED,
            "cluster/apps/default/web/app-config.yaml": "namespace: web\n",
            "cluster/apps/default/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
            "cluster/apps/default/web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 1.2.3\n",
            "cluster/apps/default/web/templates/deployment.yaml": TEMPLATE,
        },
    )
    found = discover(root)
    assert [e.name for e in found.environments] == ["in-cluster"], found.notes
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"], found.notes
