"""An Argo CD Application of the repository's root (``path: .``) is an environment like one of
any folder. sejaltyagi12/ArgoCD@ab6db524 (application.yaml beside the kustomization it deploys):
init said "found no environment ... no Argo CD Application renders this repository's files",
where the same files under app/ with ``path: app`` were found (newcomer13 G8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment


def test_an_application_of_the_repository_root_is_an_environment(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                "application.yaml": application("blog-website", "."),
                "kustomization.yaml": "resources:\n- blog-deployment.yaml\n",
                "blog-deployment.yaml": deployment("blog", "acme/blog-website:17"),
            },
        )
    )
    assert [i.name for i in found.images] == ["acme/blog-website"], (found.environments, found.notes)
    assert [e.paths for e in found.environments] == [("application.yaml",)]


@pytest.mark.parametrize(
    ("repo_url", "origin"),
    [
        ("https://github.com/acme/gitops.git", "git@github.com:acme/gitops"),
        # GitLab CI clones with its job's token in the origin; Argo CD often names ssh://git@
        (
            "ssh://git@gitlab.com:22/acme/gitops.git",
            "https://gitlab-ci-token:glcbt-s3cr3t@gitlab.com/acme/gitops.git",
        ),
    ],
)
def test_the_root_of_the_checkouts_own_remote_is_an_environment(
    tmp_path: Path, repo_url: str, origin: str
) -> None:
    """With the checkout's origin known, an Application of its root naming that remote (written
    another way: ssh, .git, a port, a user and token) is still this repository's root; another
    remote's root is not."""
    files = {
        "application.yaml": application("blog-website", ".", repo_url=repo_url),
        "kustomization.yaml": "resources:\n- blog-deployment.yaml\n",
        "blog-deployment.yaml": deployment("blog", "acme/blog-website:17"),
    }
    root = write(tmp_path, files)
    mine = discover(root, origin=origin)
    assert [e.paths for e in mine.environments] == [("application.yaml",)], mine.notes
    others = discover(root, origin=origin.replace("/gitops", "/other"))
    assert [e.paths for e in others.environments] != [("application.yaml",)], others.environments
