"""An Argo CD Application kept in the directory it deploys (``lastsignal/application.yml`` with
``path: lastsignal``, each app in its own directory, as iamenr0s/gitops-argocd lays them out):
kustomize builds only what the kustomization lists, so the Application file beside it makes no
app of apps, and the directory is the Application's environment."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: lastsignal
spec:
  source:
    repoURL: https://github.com/iamenr0s/gitops-argocd.git
    targetRevision: main
    path: lastsignal
    kustomize: {}
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: lastsignal}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/giovantenne/lastsignal:latest
"""


def test_an_application_beside_the_kustomization_it_deploys_is_an_environment(tmp_path: Path) -> None:
    files = {
        "lastsignal/application.yml": APPLICATION,
        "lastsignal/kustomization.yml": "resources:\n  - deployment.yml\n",
        "lastsignal/deployment.yml": DEPLOYMENT,
    }
    found = discover(write(tmp_path, files))
    assert [p for e in found.environments for p in e.paths] == ["lastsignal/application.yml"]
    assert [i.name for i in found.images] == ["ghcr.io/giovantenne/lastsignal"]


def test_a_kustomization_listing_applications_is_still_an_app_of_apps(tmp_path: Path) -> None:
    files = {
        "root/application.yml": APPLICATION.replace("name: lastsignal", "name: root").replace(
            "path: lastsignal", "path: root"
        ),
        "root/kustomization.yml": "resources:\n  - apps/\n",
        "root/apps/kustomization.yml": "resources:\n  - lastsignal.yml\n",
        "root/apps/lastsignal.yml": APPLICATION,
        "lastsignal/kustomization.yml": "resources:\n  - deployment.yml\n",
        "lastsignal/deployment.yml": DEPLOYMENT,
    }
    found = discover(write(tmp_path, files))
    assert "root/application.yml" not in [p for e in found.environments for p in e.paths]


def test_an_application_in_the_plain_directory_it_deploys_is_an_environment(tmp_path: Path) -> None:
    """ZackZhouHB/zack-gitops-project@fcb0f91d argocd-joesite/: the Application and the workload
    side by side, no kustomization: Argo CD applies both, and the Application yields only
    itself, so the directory is no app of apps."""
    files = {
        "argocd-joesite/application.yaml": APPLICATION.replace("path: lastsignal", "path: argocd-joesite"),
        "argocd-joesite/joesite.yaml": DEPLOYMENT,
    }
    found = discover(write(tmp_path, files))
    assert [p for e in found.environments for p in e.paths] == ["argocd-joesite/application.yaml"]
    assert [i.name for i in found.images] == ["ghcr.io/giovantenne/lastsignal"]


def test_a_plain_directory_with_an_application_of_another_path_is_an_app_of_apps(tmp_path: Path) -> None:
    files = {
        "root/application.yaml": APPLICATION.replace("name: lastsignal", "name: root").replace(
            "path: lastsignal", "path: root"
        ),
        "root/lastsignal.yaml": APPLICATION,
        "lastsignal/deployment.yaml": DEPLOYMENT,
    }
    found = discover(write(tmp_path, files))
    assert [p for e in found.environments for p in e.paths] == ["root/lastsignal.yaml"]
