"""A Helm chart of Argo CD Applications (an app of apps) that nothing in the repository deploys
(argoproj/argocd-example-apps' apps/, applied by hand with argocd app create --path apps): the
Applications it renders are Go templates, not read here, so init says so with the fix, where it
was silence beside the guess that no Argo CD object says what deploys."""

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


def test_a_chart_of_applications_nothing_deploys_is_said_with_the_fix(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    (said,) = [n for n in found.notes if "a Helm chart of Argo CD Applications" in n]
    assert said.startswith("apps: a Helm chart of Argo CD Applications (apps/templates/applications.yaml)")
    assert "argocd app create --path apps" in said and "write those environments by hand" in said


def test_a_chart_of_applications_an_application_deploys_is_not_said(tmp_path: Path) -> None:
    found = discover(write(_repo(tmp_path), {"root.yaml": ROOT}))
    assert not [n for n in found.notes if "a Helm chart of Argo CD Applications" in n], found.notes
