"""An Argo CD source's ``targetRevision: refs/heads/main`` is the branch main (Argo CD resolves
it so): juftin/home-ops' ApplicationSet, applied by hand through a kustomization, tracks
refs/heads/main; each generated Application was read as rendering another branch, so the
cluster's images were unsupported and init named none of them."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_apps
from testkit import small_repos
from testkit.local_git import write

DIRECTORIES_APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: home-ops, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/juftin/home-ops.git
        revision: refs/heads/main
        directories:
          - path: 'kubernetes/apps/*/*'
  template:
    metadata: {name: '{{ .path.basename }}'}
    spec:
      project: default
      source:
        repoURL: https://github.com/juftin/home-ops.git
        targetRevision: refs/heads/main
        path: '{{ .path.path }}/app'
      destination: {server: https://kubernetes.default.svc, namespace: default}
"""


def test_refs_heads_names_the_branch() -> None:
    (source,) = argocd_apps.sources(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n"
        "  source: {repoURL: 'https://example.com/a.git', targetRevision: refs/heads/main, path: a}\n",
        "app.yaml",
    )
    assert source.revision == "main"


def test_an_applicationset_tracking_refs_heads_main_a_kustomization_applies_is_read(tmp_path: Path) -> None:
    files = {
        "kubernetes/argocd/applicationset.yaml": DIRECTORIES_APPSET,
        "kubernetes/argocd/kustomization.yaml": "resources: [./applicationset.yaml]\n",
    }
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
