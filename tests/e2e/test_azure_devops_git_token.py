"""An Azure DevOps token reaches git only on the Azure DevOps origin: an Azure DevOps Server's
``https://host/tfs/{collection}/{project}/_git/{repo}`` remote gets the pipeline's
System.AccessToken when the pipeline names that server, never after a redirect to another
origin, and a token in the environment stays home for a host nobody named. Judged against
real git talking TLS smart HTTP to ``git http-backend``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.core.errors import GitError
from gitops_bot.engine.session import fetch_credentials
from gitops_bot.forges import registry as forges
from gitops_bot.forges.azure_devops.adapter import AzureDevOps
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.git.git import GitWorkspace
from testkit.git_http import CA, GitHTTPServer, bare_repository

JOB = "azdo_job_token_0123456789abcdef"
REPO = "tfs/Main/Web/_git/gitops"


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CA:
    made = CA(tmp_path / "ca")
    monkeypatch.setenv("GIT_SSL_CAINFO", str(made.cert_file))
    return made


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    """The repository where Azure DevOps Server serves it: ``/tfs/Main/Web/_git/gitops``."""
    root = tmp_path / "srv"
    root.mkdir()
    bare = bare_repository(root, "gitops", {"gitops-bot.yaml": "version: 1\n"})
    (root / REPO).parent.mkdir(parents=True)
    (root / REPO).symlink_to(bare)
    return root


@pytest.fixture
def other(ca: CA, repos: Path) -> Iterator[GitHTTPServer]:
    with GitHTTPServer(repos, ca) as srv:
        yield srv


def _fetch(url: str, token: object, cache: Path) -> None:
    with GitWorkspace.open(url, cache_dir=cache, token=token, user=AzureDevOps.git_user) as ws:  # type: ignore[arg-type]
        ws.fetch("main", "gitops-bot")


def _basic(header: str) -> str:
    return base64.b64decode(header.removeprefix("Basic ")).decode()


def test_the_pipelines_server_gets_its_job_token_and_the_fetch_works(
    ca: CA, repos: Path, tmp_path: Path
) -> None:
    with GitHTTPServer(repos, ca, token=JOB) as srv:
        environ = {"SYSTEM_ACCESSTOKEN": JOB, "SYSTEM_COLLECTIONURI": f"{srv.url}/tfs/Main/"}
        token, user = fetch_credentials(f"{srv.url}/{REPO}", None, environ)
        assert token is not None and user == AzureDevOps.git_user
        _fetch(f"{srv.url}/{REPO}", token, tmp_path / "cache")
    assert srv.authorizations and _basic(srv.authorizations[-1]) == f"{AzureDevOps.git_user}:{JOB}"


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_from_the_azure_server_never_carries_the_token(
    ca: CA, repos: Path, other: GitHTTPServer, tmp_path: Path, status: int
) -> None:
    with GitHTTPServer(repos, ca, redirect=other.url, status=status) as srv:
        cfg = ForgeConfig(type="azure-devops", api_url=f"{srv.url}/tfs", repository="Main/Web/gitops")

        class Settings:
            github = GitHubConfig()
            forge = cfg

        class Forge:
            git_token = JOB

        secret = forges.git_secret(Settings(), f"{srv.url}/{REPO}", Forge())  # type: ignore[arg-type]
        with pytest.raises(GitError) as failed:
            _fetch(f"{srv.url}/{REPO}", secret, tmp_path / "cache")
    assert srv.authorizations  # the Azure origin was sent the token...
    assert other.seen == []  # ...and git never went on to the other origin
    assert JOB not in str(failed.value)


def test_an_azure_token_is_not_sent_to_a_host_nobody_named(other: GitHTTPServer, tmp_path: Path) -> None:
    url = f"{other.url}/{REPO}"
    environ = {
        "AZURE_DEVOPS_TOKEN": "azdo_pat_0123456789",
        "SYSTEM_ACCESSTOKEN": JOB,
        "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
    }
    token, _user = fetch_credentials(url, None, environ)
    assert token is None
    _fetch(url, token, tmp_path / "cache")
    assert other.seen and other.authorizations == []
