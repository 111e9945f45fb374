"""One cluster's Applications under a root are one environment, whatever words their names hold."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment


def test_a_stage_word_inside_an_applications_name_is_the_apps_not_an_environment(tmp_path: Path) -> None:
    """KylerRussell/k8s-gitops@21b1ba57 (newcomer16 N20, reduced by them): argocd/root-app.yaml applies apps/base (recurse), 23
    Applications all to https://kubernetes.default.svc; init made 23 environments
    `<app>-in-cluster` ("in-cluster is deployed by 23 clusters (bentopdf.yaml, …)"), where the
    same layout under apps/ (Shion1305/k8s-GitOps) gives one `in-cluster`."""
    root = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root-app, namespace: argocd}\n"
        "spec:\n  project: default\n  source: {repoURL: 'https://github.com/acme/gitops.git', path: apps/base,"
        " directory: {recurse: true}}\n  destination: {server: 'https://kubernetes.default.svc', namespace: argocd}\n"
    )
    files = {"argocd/root-app.yaml": root}
    for app in ("coder", "mealie", "remote-dev-vm"):
        files[f"apps/base/{app}.yaml"] = application(app, f"apps/manifests/{app}")
        files[f"apps/manifests/{app}/deploy.yaml"] = deployment(app, f"ghcr.io/acme/{app}:1.0.0")
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["in-cluster"], found.environments
