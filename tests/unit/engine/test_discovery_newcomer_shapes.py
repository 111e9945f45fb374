"""Shapes newcomers met on sampled public repositories: a chart template action wrapped over two
lines (helmify's output, weaveworks/weave-gitops-enterprise charts/cluster-controller), and an app of
apps kept in a directory named ``bootstrap`` (mctlhq/mctl-gitops platform-gitops/bootstrap, whose own
root Application deploys it): each read, where init said nothing of the second and not its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.kubetools import helm
from testkit.local_git import write

WRAPPED = """apiVersion: apps/v1
kind: Deployment
metadata: {name: manager}
spec:
  template:
    spec:
      containers:
        - name: manager
          image: {{ .Values.controllerManager.manager.image.repository }}:{{ .Values.controllerManager.manager.image.tag
            | default .Chart.AppVersion }}
"""
OTHER = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  source: {repoURL: https://github.com/argoproj/argocd-example-apps.git, targetRevision: HEAD, path: guestbook}
"""
VALUES = "controllerManager:\n  manager:\n    image:\n      repository: quay.io/acme/controller\n      tag: v1.5.5\n"


def test_a_template_action_wrapped_over_two_lines_is_traced_to_its_values_keys(tmp_path: Path) -> None:
    files = {
        "examples/guestbook.yaml": OTHER,  # the one deploy object deploys another repository
        "charts/ctl/Chart.yaml": "apiVersion: v2\nname: ctl\nversion: 0.1.0\n",
        "charts/ctl/values.yaml": VALUES,
        "charts/ctl/templates/deployment.yaml": WRAPPED,
    }
    notes = "\n".join(discover(write(tmp_path, files)).notes)
    assert (
        "charts/ctl: a Helm chart that nothing in this repository deploys (its values.yaml sets "
        "quay.io/acme/controller v1.5.5 at controllerManager.manager.image.repository, "
        "controllerManager.manager.image.tag)"
    ) in notes, notes


APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argo-rollouts, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://argoproj.github.io/argo-helm
    chart: argo-rollouts
    targetRevision: "2.39.0"
  destination: {server: https://kubernetes.default.svc, namespace: argo-rollouts}
"""
ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root-app
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ .Values.spec.source.repoURL }}
    targetRevision: {{ .Values.spec.source.targetRevision }}
    path: platform/bootstrap
    helm:
      valueFiles:
        - values.yaml
  destination:
    server: {{ .Values.spec.destination.server }}
    namespace: argocd
"""


def test_an_app_of_apps_in_a_bootstrap_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its Applications are what helm renders of the chart: read with the real helm
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        "platform/bootstrap/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
        "platform/bootstrap/values.yaml": (
            "spec:\n  source:\n    repoURL: https://github.com/acme/platform.git\n    targetRevision: main\n"
            "  destination:\n    server: https://kubernetes.default.svc\n"
        ),
        "platform/bootstrap/templates/bootstrap/root-app.yaml": ROOT,
        "platform/bootstrap/templates/core-infra/argo-rollouts.yaml": APP,
    }
    found = discover(write(tmp_path, files))
    assert [(c.name, c.versions) for c in found.charts] == [("argo-rollouts", ("2.39.0",))], (
        found.charts,
        found.notes,
    )
