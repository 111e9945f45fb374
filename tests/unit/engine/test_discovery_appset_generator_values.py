"""An ApplicationSet generator's own ``values:`` (Argo CD sets them as ``values.<key>`` of each
Application, filled with the generator's parameters) name what its template reads: here the
repository itself (newcomer17 F11, trial17 F9)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

# edgard/home-ops argocd/appsets/apps.appset.yaml: the git files generator's own `values:` names
# this repository (`repoURL: https://github.com/edgard/home-ops.git`), and the template's sources
# use it (`repoURL: "{{ .values.repoURL }}"`); init said "1 Argo CD ApplicationSet renders
# {{ .values.repoURL }}, not this repository: run init in that repository" and stopped (exit 2)
APPSET_GENERATOR_VALUES = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/acme/home-ops.git
        revision: main
        files:
          - path: "apps/*/*/app.yaml"
        values:
          repoURL: https://github.com/acme/home-ops.git
          revision: main
  template:
    metadata: {name: "{{ .path.basenameNormalized }}", namespace: argocd}
    spec:
      project: default
      destination: {server: https://kubernetes.default.svc, namespace: "{{ index .path.segments 1 }}"}
      source:
        repoURL: "{{ .values.repoURL }}"
        targetRevision: "{{ .values.revision }}"
        path: "{{ .path.path }}"
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: bazarr}
spec:
  template:
    spec:
      containers:
        - name: app
          image: lscr.io/linuxserver/bazarr:1.6.0
"""


def test_an_applicationset_s_generator_values_are_filled_in_its_template(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "argocd/appsets/apps.appset.yaml": APPSET_GENERATOR_VALUES,
            "apps/media/bazarr/app.yaml": "sync: {wave: '0'}\n",
            "apps/media/bazarr/deployment.yaml": DEPLOYMENT,
        },
    )
    found = discover(root, origin="https://github.com/acme/home-ops.git")
    assert [i.name for i in found.images] == ["lscr.io/linuxserver/bazarr"], found.notes
