"""An Argo CD source whose repoURL names an OCI artifact (``oci://``, or a registry path with no
git scheme) renders the artifact's files: its path is never this checkout's directory, and its
targetRevision (the artifact's tag) never a branch of this repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.app import open_app
from gitops_bot.render.deployers import is_artifact
from testkit.local_git import write
from testkit.small_repos import deployment

ARTIFACT_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: api, namespace: argocd}
spec:
  project: default
  source: {repoURL: REPO, targetRevision: v0.21.1, path: deploy}
  destination: {server: https://kubernetes.default.svc, namespace: api}
"""


@pytest.mark.parametrize("repo", ["ghcr.io/acme/api-kustomize", "oci://ghcr.io/acme/api-kustomize"])
def test_an_artifact_sources_path_is_not_this_checkouts(tmp_path: Path, repo: str) -> None:
    # stuttgart-things/argocd@5dc4e870 (found by a newcomer): charts of Applications whose
    # repoURL is ghcr.io/stuttgart-things/<x>-kustomize at v0.21.1, path '.'; the reading said
    # "renders branch v0.21.1; the bot reads main" and init's first plan failed (exit 2)
    files = {
        "gitops-bot.yaml": "version: 1\nimages:\n- {name: ghcr.io/acme/web, policy: semver}\n"
        "environments:\n- {name: dev, path: deploy}\n",
        "deploy/kustomization.yaml": "resources: [web.yaml]\n",
        "deploy/web.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "apps/api.yaml": ARTIFACT_APP.replace("REPO", repo),
    }
    web = open_app(write(tmp_path, files)).readings()["dev"].image("ghcr.io/acme/web")
    assert web is not None and web.status is PinStatus.PINNED, web


def test_git_urls_are_no_artifacts() -> None:
    for url in ("https://github.com/acme/gitops.git", "git@github.com:acme/gitops.git", "ssh://git@h/x"):
        assert not is_artifact(url), url
    assert not is_artifact("{{ .Values.repoURL }}") and not is_artifact("")
    assert is_artifact("ghcr.io/acme/x") and is_artifact("oci://ghcr.io/acme/x")
    # a user before the host is a git login, an SSH URL written with a slash for its colon
    # (newcomer16 N10) too: never an OCI artifact, whose path has no login
    assert not is_artifact("git@github.com/acme/gitops.git")


@pytest.mark.parametrize("revision", ["targetRevision: v0.21.1, ", ""], ids=["a tag", "no revision"])
def test_an_environment_of_an_artifacts_application_reads_not_this_checkouts_path(
    tmp_path: Path, revision: str
) -> None:
    # the environment is the Application itself: its path names the artifact's files, so this
    # checkout's deploy/ is neither what it runs (no revision read it as the base branch's) nor a
    # place a release writes (a tag was said as a branch of this repository)
    files = {
        "gitops-bot.yaml": "version: 1\nimages:\n- {name: ghcr.io/acme/web, policy: semver}\n"
        "environments:\n- {name: dev, path: apps}\n",
        "deploy/kustomization.yaml": "resources: [web.yaml]\n",
        "deploy/web.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "apps/api.yaml": ARTIFACT_APP.replace("REPO", "oci://ghcr.io/acme/api-kustomize").replace(
            "targetRevision: v0.21.1, ", revision
        ),
    }
    reading = open_app(write(tmp_path, files)).readings()["dev"]
    web = reading.image("ghcr.io/acme/web")
    assert web is not None and web.status is not PinStatus.PINNED and web.would_write is None, web
    assert "of the OCI artifact oci://ghcr.io/acme/api-kustomize" in (web.reason or ""), web
    assert "branch" not in (web.reason or "") and "deploy/kustomization.yaml" not in reading.writable


def _operator_at_a_tag(tmp_path: Path, path: str) -> PinStatus | None:
    # anomaly51/general-1-argocd@6c5cb5a0 (found by a newcomer following the guide's app-of-apps
    # row): cluster/operators/rabbitmq-cluster-operator.yaml, an Application of rabbitmq's own
    # repository at its release tag, among the environment's paths, made every image of the
    # environment "renders branch v2.22.4; the bot reads main", with the fix 'set branch: v2.22.4'
    operator = ARTIFACT_APP.replace("REPO", "'https://github.com/rabbitmq/cluster-operator.git'")
    files = {
        "gitops-bot.yaml": "version: 1\nimages:\n- {name: ghcr.io/acme/web, policy: semver}\n"
        "environments:\n- {name: in-cluster, paths: [deploy, cluster/operator.yaml]}\n",
        "deploy/kustomization.yaml": "resources: [web.yaml]\n",
        "deploy/web.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "cluster/operator.yaml": operator.replace("v0.21.1, path: deploy", f"v2.22.4, path: {path}"),
    }
    web = open_app(write(tmp_path, files)).readings()["in-cluster"].image("ghcr.io/acme/web")
    return web.status if web is not None else None


def test_another_repositorys_application_at_its_tag_is_not_followed_and_blocks_nothing(
    tmp_path: Path,
) -> None:
    assert _operator_at_a_tag(tmp_path, "config/installation") is PinStatus.PINNED


def test_an_application_at_another_revision_of_a_path_this_checkout_holds_is_still_its_branch(
    tmp_path: Path,
) -> None:
    # the path is here: the repoURL may well be this repository's, on a branch the bot does not read
    assert _operator_at_a_tag(tmp_path, "deploy") is PinStatus.UNSUPPORTED
