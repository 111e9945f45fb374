"""A chart of Argo CD Applications (an app of apps) whose values files name stages, installed by
hand with one of them (``helm install NAME chart -f prod.values.yaml``): each file is an
environment, read as the chart installed with it, never the chart over its own values (which
list no Application)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.engine.discovery import Discovery, discover
from gitops_bot.engine.init_config import config_text
from testkit.kubetools import helm
from testkit.local_git import commit, git, write


def _discover(root: Path, origin: str) -> Discovery:
    """As `gitops-bot init` calls it: the branch checked out, origin's URL, and whether the clone
    holds a branch."""

    def has_branch(branch: str) -> bool:
        refs = (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
        return any(
            subprocess.run(["git", "show-ref", "-q", "--verify", r], cwd=root).returncode == 0 for r in refs
        )

    return discover(root, base="main", has_branch=has_branch, origin=origin)


APPLICATIONS_TEMPLATE = """\
{{- range $k, $v := .Values.applications }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ $k }}
spec:
  project: default
  source:
    {{- with $v.source }}
    repoURL: {{ .repoURL }}
    targetRevision: {{ .targetRevision }}
    path: {{ .path }}
    helm:
      valueFiles:
        {{- range .helm.valueFiles }}
        - {{ . }}
        {{- end }}
    {{- end }}
  destination:
    server: https://kubernetes.default.svc
    namespace: words
{{- end }}
"""


def test_the_values_file_an_app_of_apps_chart_is_installed_with_is_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Roxxas96/gitops-demo@f3d663e: infrastructure/helm/argo-cd-config/chart renders one Application
    per entry of .Values.applications; its own values.yaml lists none, prod.values.yaml beside it
    lists prod-frontend (path frontend/containers/helm/chart, valueFiles ../prod.values.yaml), whose
    chart runs ghcr.io/roxxas96/gitops-demo-frontend at the chart's appVersion (0.1.0-rc77).
    init read the chart "with its own values" (no Application, so nothing rendered), said the
    frontend chart "a Helm chart that nothing in this repository deploys", dropped prod.values.yaml
    as "renders none of the images found", and offered only `local` (local.values.yaml's
    `repository: gitops-demo-frontend, tag: local`, a build on the developer's machine that plan
    looks up as Docker Hub's library/gitops-demo-frontend: a stranger's image, 404)."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    root = tmp_path / "repo"
    write(
        root,
        {
            "config/chart/Chart.yaml": "apiVersion: v2\nname: argo-cd-config\nversion: 0.1.0\n",
            "config/chart/values.yaml": "applications:\n",
            "config/chart/templates/applications.yaml": APPLICATIONS_TEMPLATE,
            "config/prod.values.yaml": (
                "applications:\n  prod-frontend:\n    source:\n"
                "      repoURL: git@github.com:acme/gitops-demo.git\n      targetRevision: main\n"
                "      path: frontend/helm/chart\n      helm:\n        valueFiles:\n"
                "          - ../prod.values.yaml\n"
            ),
            "frontend/helm/chart/Chart.yaml": (
                "apiVersion: v2\nname: frontend\nversion: 0.1.0\nappVersion: '0.1.0-rc77'\n"
            ),
            "frontend/helm/chart/values.yaml": (
                'image:\n  repository: ghcr.io/acme/gitops-demo-frontend\n  tag: ""\n'
            ),
            "frontend/helm/chart/templates/deployment.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend}\nspec:\n  template:\n"
                "    spec:\n      containers:\n      - name: frontend\n"
                '        image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"\n'
            ),
            "frontend/helm/prod.values.yaml": "replicaCount: 2\n",
            "frontend/helm/local.values.yaml": 'image:\n  repository: gitops-demo-frontend\n  tag: "local"\n',
        },
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@github.com:acme/gitops-demo.git")
    commit(root, "init")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    text = config_text(_discover(root, "git@github.com:acme/gitops-demo.git"))
    assert '"config/prod.values.yaml"' in text, text
    assert "ghcr.io/acme/gitops-demo-frontend" in text.split("environments:")[0], text
    assert 'path: "config/chart"' not in text, text  # its own values list no Application
