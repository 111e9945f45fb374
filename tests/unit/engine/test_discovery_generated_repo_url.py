"""An ApplicationSet whose ``repoURL`` is a value its generator fills (``{{ .params.repoURL }}``
from a plugin generator, as mitmx/argocd-appset-params-template-plugin's examples write it;
``{{.values.repoURL}}`` from a list's values, as teststuffstash/homelab's agent-fixer does,
one element of which is this very repository). init said it "renders {{ .params.repoURL }}, not
this repository: run init in that repository": a repository no line names, and maybe this one.
It is said as a URL the generator fills, with what to do where one is this repository."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: fixers, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - name: homelab
        values: {repoURL: https://github.com/acme/homelab.git}
      - name: sleep
        values: {repoURL: https://github.com/acme/sleep-iac.git}
  template:
    metadata: {name: 'fixer-{{.name}}'}
    spec:
      project: default
      source:
        repoURL: "{{.values.repoURL}}"
        targetRevision: main
        path: deploy
      destination: {server: https://kubernetes.default.svc, namespace: fixers}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0
"""


def test_a_repository_url_the_generator_fills_is_not_sent_elsewhere(tmp_path: Path) -> None:
    root = write(tmp_path, {"argocd/fixers.yaml": APPSET, "manifests/deployment.yaml": DEPLOYMENT})
    (said,) = [n for n in discover(root).notes if "{{.values.repoURL}}" in n]
    assert "run init in that repository" not in said, said
    assert said == (
        "1 Argo CD ApplicationSet renders {{.values.repoURL}}, a URL its generator fills for each "
        "Application it generates: where one is this repository, write the environment "
        "it deploys by hand (its path under environments:)"
    ), said
