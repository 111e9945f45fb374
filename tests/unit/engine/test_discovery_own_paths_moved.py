"""An Argo CD Application naming this checkout's own remote, at a path the checkout does not hold,
was moved or deleted here: said so with the path, never "not this repository: run init in that
repository", which sends the person to where they already are (small-hack/argocd-apps@7bfd015a,
demo/keycloak/keycloak_argocd_app.yaml rendering keycloak/persistence/ after it moved)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.git import store
from testkit.local_git import write

# demo/keycloak/keycloak_argocd_app.yaml, as written there (its sync options left out)
MOVED = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: keycloak-persistence
  namespace: argocd
spec:
  project: default
  destination:
    server: "https://kubernetes.default.svc"
    namespace: keycloak
  source:
    repoURL: https://github.com/small-hack/argocd-apps.git
    path: keycloak/persistence/
"""
OTHER = MOVED.replace("keycloak-persistence", "operator").replace(
    "small-hack/argocd-apps.git", "seaweedfs/seaweedfs-operator"
)
FILES = {
    "demo/keycloak/keycloak_argocd_app.yaml": MOVED,
    "demo/seaweedfs/seaweedfs_argocd_app.yaml": OTHER,
    "overlays/dev/kustomization.yaml": "resources: [deploy.yaml]\n",
    "overlays/dev/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\n"
        "spec: {template: {spec: {containers: [{name: app, image: 'ghcr.io/acme/app:1.0.0'}]}}}\n"
    ),
}


def test_a_path_of_its_own_remote_it_lacks_is_said_moved(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "remote", "add", "origin", "git@github.com:small-hack/argocd-apps.git"],
        check=True,
    )
    found = discover(root, origin=store.origin_url(root))
    assert [n for n in found.notes if "small-hack" in n] == [
        "demo/keycloak/keycloak_argocd_app.yaml: Argo CD Application keycloak-persistence renders path "
        "keycloak/persistence/ of https://github.com/small-hack/argocd-apps.git, which this repository "
        "does not hold (moved or deleted?): fix the path or remove the Application"
    ]
    # another repository's Application is still another repository's
    assert (
        "1 Argo CD Application renders https://github.com/seaweedfs/seaweedfs-operator, not this "
        "repository: run init in that repository"
    ) in found.notes


def test_with_no_remote_known_the_path_names_another_repository(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    assert store.origin_url(root) is None
    found = discover(root)
    assert (
        "1 Argo CD Application renders https://github.com/small-hack/argocd-apps.git, not this "
        "repository: run init in that repository"
    ) in found.notes


def test_another_repositorys_root_is_no_environment_of_this_root(tmp_path: Path) -> None:
    """mikelezc/kubernetes-argocd-1@1d34a199: p3/confs/argocd.yaml renders
    https://github.com/mikelezc/mlezcano-iot-argocd.git at path '.'; every checkout holds a root,
    so init made it environment in-cluster of this repository's root."""
    other = OTHER.replace("path: keycloak/persistence/", "path: .")
    root = write(tmp_path, {**FILES, "p3/confs/argocd.yaml": other})
    found = discover(root, origin="git@github.com:small-hack/argocd-apps.git")
    assert not [e for e in found.environments if "p3/confs/argocd.yaml" in e.paths], found.environments
    assert any(
        "Applications render https://github.com/seaweedfs/seaweedfs-operator, not this" in n
        for n in found.notes
    ), found.notes
