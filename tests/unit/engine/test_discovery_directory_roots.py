"""Argo CD applies a directory source's own files only (its subdirectories with directory.recurse),
less what directory.exclude matches: an Application file it leaves is no environment's."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment

ROOT = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
    "metadata: {name: root-app, namespace: argocd}\nspec:\n  project: default\n"
    "  source: {repoURL: 'https://github.com/acme/gitops.git', path: apps,"
    " directory: {exclude: 'archived/*'}}\n"
    "  destination: {server: 'https://kubernetes.default.svc', namespace: argocd}\n"
)


def test_applications_the_root_excludes_or_does_not_recurse_into_are_not_deployed(tmp_path: Path) -> None:
    """Shion1305/k8s-GitOps@5f8a3e81 (newcomer16 N1, reduced by them): root-app.yaml applies apps/ (no recurse, archived/*
    excluded); init made apps/archived/*.yaml paths of in-cluster, its charts and images
    released as deployed."""
    found = discover(
        write(
            tmp_path,
            {
                "root-app.yaml": ROOT,
                "apps/web-app.yaml": application("web", "web"),
                "apps/archived/old-app.yaml": application("old", "old"),
                "web/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "web/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.2.3"),
                "old/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "old/deploy.yaml": deployment("old", "ghcr.io/acme/old:0.9.0"),
            },
        )
    )
    paths = [p for e in found.environments for p in e.paths]
    assert "apps/archived/old-app.yaml" not in paths, found.environments
    assert "ghcr.io/acme/old" not in [i.name for i in found.images], found.images


def test_an_excluded_application_is_said_with_the_root_that_excludes_it(tmp_path: Path) -> None:
    files = {
        "root-app.yaml": ROOT.replace(
            "path: apps,", "path: apps, directory: {recurse: true, exclude: 'archived/*'},"
        ).replace(" directory: {exclude: 'archived/*'}}", "}"),
        "apps/web-app.yaml": application("web", "web"),
        "apps/archived/old-app.yaml": application("old", "old"),
        "web/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.2.3"),
        "old/deploy.yaml": deployment("old", "ghcr.io/acme/old:0.9.0"),
    }
    found = discover(write(tmp_path, files))
    said = "apps/archived/old-app.yaml: Argo CD Application root-app in root-app.yaml applies apps with directory.exclude archived/*"
    assert any(n.startswith(said) for n in found.notes), found.notes
