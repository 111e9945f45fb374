"""An ApplicationSet's generator over different apps (a git directories generator over apps/*,
one chart each) deploying them all to one cluster is one environment, the cluster, named as its
destination names it (``server: https://kubernetes.default.svc`` is Argo CD's in-cluster):
anomaly51/general-1-argocd@6c5cb5a0 became 29 environments, one per generated Application each
with the whole ApplicationSet file as its path, and init's own first plan skipped every shared
pin as "which <the others> render too"."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: apps, namespace: argocd}}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: https://github.com/acme/gitops.git
      revision: main
      directories:
      - path: apps/*
  template:
    metadata: {{name: 'apps-{{{{ .path.basenameNormalized }}}}'}}
    spec:
      project: default
      source: {{repoURL: 'https://github.com/acme/gitops.git', targetRevision: main, path: '{{{{ .path.path }}}}'}}
      destination: {{{destination}, namespace: apps}}
"""


def _chart(name: str, image: str) -> dict[str, str]:
    repo, tag = image.split(":")
    return {
        f"apps/{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"apps/{name}/values.yaml": f"image:\n  repository: {repo}\n  tag: {tag}\n",
        f"apps/{name}/templates/deployment.yaml": deployment(
            name, "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ),
    }


def _files(destination: str) -> dict[str, str]:
    return {
        "cluster/apps.yaml": APPSET.format(destination=destination),
        **_chart("web", "ghcr.io/acme/web:1.0.0"),
        **_chart("api", "ghcr.io/acme/api:2.0.0"),
    }


def test_apps_of_argo_cds_own_cluster_are_one_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files("server: 'https://kubernetes.default.svc'")))
    assert [(e.name, e.paths) for e in found.environments] == [("in-cluster", ("cluster/apps.yaml",))]
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/api", "ghcr.io/acme/web"]


def test_apps_of_a_named_cluster_are_that_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files("name: homelab")))
    assert [(e.name, e.paths) for e in found.environments] == [("homelab", ("cluster/apps.yaml",))]
