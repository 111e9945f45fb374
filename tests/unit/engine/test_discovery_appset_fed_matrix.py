"""A matrix ApplicationSet whose git generator's path its list generator fills
(``kubernetes/apps/{{ .namespace }}/*``, juftin/home-ops): Argo CD expands the git generator once
per list element, so its directories are the Applications'; init said the ApplicationSet "not
read", made an environment of each namespace folder and exited 2."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_appsets
from testkit import small_repos
from testkit.local_git import write

# juftin/home-ops kubernetes/argocd/applicationset.yaml: a matrix of a `list` (namespaces) and a git
# `directories` generator whose path the list fills (`kubernetes/apps/{{ .namespace }}/*`), each
# Application rendering `{{ .path.path }}/app`; init says "an ApplicationSet; the Applications it
# generates are not read, the directories they render are found on their own", makes an environment
# of each namespace folder (`kubernetes/apps/<ns>`, its namespace.yaml only) and exits 2, "read no
# image or chart they pin" (24 pins in the app folders)
MATRIX_APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: home-ops, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - list:
              elements:
                - namespace: default
                - namespace: network
          - git:
              repoURL: https://github.com/juftin/home-ops.git
              revision: refs/heads/main
              directories:
                - path: 'kubernetes/apps/{{ .namespace }}/*'
  template:
    metadata: {name: '{{ .path.basename }}'}
    spec:
      project: default
      source:
        repoURL: https://github.com/juftin/home-ops.git
        targetRevision: refs/heads/main
        path: '{{ .path.path }}/app'
      destination: {server: https://kubernetes.default.svc, namespace: '{{ .namespace }}'}
"""


def test_a_matrix_fills_its_git_path_from_its_list() -> None:
    listed = {"kubernetes/apps/default/*": ["kubernetes/apps/default/echo"], "kubernetes/apps/network/*": []}
    got = list(argocd_appsets.generate(MATRIX_APPSET, "applicationset.yaml", lambda glob: listed[glob]))
    apps = [g for _, g in got if isinstance(g, argocd_appsets.Generated)]
    assert [(a.name, [s.path for s in a.sources]) for a in apps] == [
        ("echo", ["kubernetes/apps/default/echo/app"])
    ]


def test_the_folders_a_fed_matrix_generates_are_one_cluster(tmp_path: Path) -> None:
    files = {"kubernetes/argocd/applicationset.yaml": MATRIX_APPSET}
    for ns, app, image in (
        ("default", "echo", "ghcr.io/mendhak/http-https-echo:41"),
        ("network", "cloudflared", "docker.io/cloudflare/cloudflared:2026.5.0"),
    ):
        files[f"kubernetes/apps/{ns}/{app}/app/kustomization.yaml"] = "resources: [./deployment.yaml]\n"
        files[f"kubernetes/apps/{ns}/{app}/app/deployment.yaml"] = small_repos.deployment(app, image)
    found = discover(write(tmp_path, files))
    assert {i.name for i in found.images} == {
        "ghcr.io/mendhak/http-https-echo",
        "docker.io/cloudflare/cloudflared",
    }
    assert [e.name for e in found.environments] == ["in-cluster"], [
        (e.name, e.paths) for e in found.environments
    ]
