"""An environment found from a file is named by its stage word, not the file's kind: the Argo
CD Application in ``k8s/apps/envs/dev-application.yaml`` (mphan1995/argocd-eks-sample) made an
environment ``dev-application`` beside ``staging``, so the pair read dev-application ->
staging. Words naming what the file is (application, app, argocd, helmrelease) are left out of
the name; a region or a variant (prod-eu) is kept, and two files of one stage are one
environment."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.candidates import name_of
from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: demo-{env}, namespace: argocd}}
spec:
  source:
    repoURL: https://github.com/acme/demo.git
    targetRevision: HEAD
    path: charts/demo
    helm: {{valueFiles: [../../environments/{env}/values.yaml]}}
  destination: {{server: https://kubernetes.default.svc, namespace: {env}}}
"""

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: demo}
spec:
  template:
    spec:
      containers:
      - name: demo
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_file_kind_words_are_left_out_of_the_name() -> None:
    assert name_of("k8s/apps/envs/dev-application.yaml") == "dev"
    assert name_of("argocd/prod-app.yaml") == "prod"
    assert name_of("apps/staging_argocd_application.yml") == "staging"
    assert name_of("clusters/prod-eu-helmrelease.yaml") == "prod-eu"
    assert name_of("apps/application.yaml") == "application"  # nothing else to name it by
    assert name_of("overlays/dev-application") == "dev-application"  # a directory is named as it is


def test_an_applications_file_names_its_stage(tmp_path: Path) -> None:
    files = {
        "k8s/apps/envs/dev-application.yaml": APP.format(env="dev"),
        "k8s/apps/envs/staging-application.yaml": APP.format(env="staging"),
        "charts/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
        "charts/demo/values.yaml": "image:\n  repository: acme/demo\n  tag: latest\n",
        "charts/demo/templates/deployment.yaml": DEPLOY,
        "environments/dev/values.yaml": "image:\n  tag: sha-11b175d\n",
        "environments/staging/values.yaml": "image:\n  tag: sha-0a1b2c3\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.promote_from) for e in found.environments] == [("dev", None), ("staging", "dev")]
