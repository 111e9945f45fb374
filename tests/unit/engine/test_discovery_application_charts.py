"""A Helm chart of Argo CD Applications (an app of apps) that nothing in the repository deploys
(argoproj/argocd-example-apps' apps/, applied by hand with argocd app create --path apps, as Argo
CD's cluster bootstrapping does): init takes it as the root applied by hand, an environment of its
own, said as a guess; the reader renders it as that Application would. A chart some Application
of the repository deploys is read through that Application instead."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APPS = """\
{{- range .Values.applications }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ printf "example.%s" .name | quote }}
spec:
  project: default
  source:
    path: {{ .path | default .name | quote }}
    repoURL: https://github.com/acme/examples
    targetRevision: HEAD
  destination: {server: https://kubernetes.default.svc, namespace: default}
---
{{ end -}}
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
ROOT = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  source: {repoURL: https://github.com/acme/examples, path: apps, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""


def _repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
            "apps/values.yaml": "applications:\n- name: web\n",
            "apps/templates/applications.yaml": APPS,
            "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: v5\n",
            "web/values-production.yaml": "replicaCount: 3\n",
            "web/templates/deployment.yaml": DEPLOY,
        },
    )


def test_a_chart_of_applications_nothing_deploys_is_the_root_applied_by_hand(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    (root,) = [e for e in found.environments if e.paths == ("apps",)]
    assert root.name == "default"  # the only root, with no stage word in its name
    assert root.how == (
        "Argo CD app of apps apps: a chart of Applications that no Application here deploys, so guessed "
        "applied by hand (argocd app create apps --path apps)",
    )
    assert not [n for n in found.notes if n.startswith("apps:")], found.notes


def test_a_chart_of_applications_an_application_deploys_is_not_taken_as_applied_by_hand(
    tmp_path: Path,
) -> None:
    found = discover(write(_repo(tmp_path), {"root.yaml": ROOT}))
    assert not [e for e in found.environments if any("applied by hand" in h for h in e.how)], (
        found.environments
    )
