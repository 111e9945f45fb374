"""juftin/home-ops' ApplicationSets over kubernetes/apps: a matrix whose git generator's path its
list fills (``kubernetes/apps/{{ .namespace }}/*``: Argo CD expands the git generator once per
element), and a directories ApplicationSet a kustomization applies that tracks
``targetRevision: refs/heads/main`` (Argo CD resolves it as main). init said the first "not
read", made an environment of each namespace folder and exited 2; it read the second's
Applications as rendering another branch, so it named none of their images."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_apps, argocd_appsets
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


def _juftin(tmp_path: Path, files: dict[str, str]) -> Path:
    """``files`` beside the two app folders the ApplicationSets render, each a kustomization."""
    for ns, app, image in (
        ("default", "echo", "ghcr.io/mendhak/http-https-echo:41"),
        ("network", "cloudflared", "docker.io/cloudflare/cloudflared:2026.5.0"),
    ):
        files[f"kubernetes/apps/{ns}/{app}/app/kustomization.yaml"] = "resources: [./deployment.yaml]\n"
        files[f"kubernetes/apps/{ns}/{app}/app/deployment.yaml"] = small_repos.deployment(app, image)
    return write(tmp_path, files)


def _one_cluster(root: Path) -> None:
    found = discover(root)
    assert {i.name for i in found.images} == {
        "ghcr.io/mendhak/http-https-echo",
        "docker.io/cloudflare/cloudflared",
    }
    assert [e.name for e in found.environments] == ["in-cluster"], [
        (e.name, e.paths) for e in found.environments
    ]


def test_a_matrix_fills_its_git_path_from_its_list() -> None:
    listed = {"kubernetes/apps/default/*": ["kubernetes/apps/default/echo"], "kubernetes/apps/network/*": []}
    got = list(argocd_appsets.generate(MATRIX_APPSET, "applicationset.yaml", lambda glob: listed[glob]))
    apps = [g for _, g in got if isinstance(g, argocd_appsets.Generated)]
    assert [(a.name, [s.path for s in a.sources]) for a in apps] == [
        ("echo", ["kubernetes/apps/default/echo/app"])
    ]


def test_the_folders_a_fed_matrix_generates_are_one_cluster(tmp_path: Path) -> None:
    _one_cluster(_juftin(tmp_path, {"kubernetes/argocd/applicationset.yaml": MATRIX_APPSET}))


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
    _one_cluster(_juftin(tmp_path, files))
