"""Azure DevOps is chosen by ``forge: type`` or by its remote URL forms, the repository is read
from each form, and its token goes only to the Azure DevOps origin: git gets it for the server
the repository is on (and an https remote of the cloud service), a pipeline's
System.AccessToken only for the server that issued it, never for another host."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.forges import registry as forges
from gitops_bot.forges.azure_devops.adapter import AzureDevOps, credentials
from gitops_bot.forges.azure_devops.entry import AzureRemote, locate, parse_remote
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig

CLOUD = "https://dev.azure.com"


@dataclass(frozen=True)
class Settings:
    github: GitHubConfig = field(default_factory=GitHubConfig)
    forge: ForgeConfig = field(default_factory=ForgeConfig)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dev.azure.com/acme/Web/_git/gitops", AzureRemote(CLOUD, "acme", "Web", "gitops")),
        (
            "https://acme@dev.azure.com/acme/Web%20Site/_git/gitops",
            AzureRemote(CLOUD, "acme", "Web Site", "gitops"),
        ),
        ("https://acme.visualstudio.com/Web/_git/gitops", AzureRemote(CLOUD, "acme", "Web", "gitops")),
        (
            "https://acme.visualstudio.com/DefaultCollection/Web/_git/gitops",
            AzureRemote(CLOUD, "acme", "Web", "gitops"),
        ),
        ("git@ssh.dev.azure.com:v3/acme/Web/gitops", AzureRemote(CLOUD, "acme", "Web", "gitops")),
        ("acme@vs-ssh.visualstudio.com:v3/acme/Web/gitops", AzureRemote(CLOUD, "acme", "Web", "gitops")),
        (
            "https://tfs.example.com:8443/tfs/Main/Web/_git/gitops",
            AzureRemote("https://tfs.example.com:8443/tfs", "Main", "Web", "gitops"),
        ),
    ],
)
def test_every_azure_repos_remote_form_names_its_repository(url: str, expected: AzureRemote) -> None:
    assert parse_remote(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://dev.azure.com/acme/_git/gitops/extra",
        "https://github.com/acme/gitops.git",
        "/srv/git/gitops.git",
        "git@ssh.dev.azure.com:v3/acme/gitops",
    ],
)
def test_other_urls_are_not_taken_for_an_azure_repository(url: str) -> None:
    assert parse_remote(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://dev.azure.com/acme/Web/_git/gitops",
        "https://acme.visualstudio.com/Web/_git/gitops",
        "git@ssh.dev.azure.com:v3/acme/Web/gitops",
    ],
)
def test_the_remote_host_chooses_azure_devops(url: str) -> None:
    assert forges.kind(Settings(), url) == "azure-devops"
    assert forges.kind(Settings(), "https://github.com/acme/gitops.git") == "github"


def test_the_config_chooses_azure_devops_server_and_names_the_repository() -> None:
    cfg = ForgeConfig(
        type="azure-devops", api_url="https://tfs.example.com/tfs", repository="Main/Web/gitops"
    )
    assert forges.kind(Settings(forge=cfg), "file:///srv/gitops.git") == "azure-devops"
    assert locate(cfg, "file:///srv/gitops.git") == AzureRemote(
        "https://tfs.example.com/tfs", "Main", "Web", "gitops"
    )
    with pytest.raises(UsageError, match="organization/project/repository"):
        locate(ForgeConfig(type="azure-devops", repository="acme/gitops"), "file:///x")
    with pytest.raises(UsageError, match="cannot tell the Azure DevOps repository"):
        locate(ForgeConfig(type="azure-devops"), "file:///srv/gitops.git")


def test_a_pat_is_basic_with_an_empty_user_and_a_job_token_bearer_for_its_own_server() -> None:
    pat = credentials(ForgeConfig(), {"AZURE_DEVOPS_TOKEN": "pat"}, CLOUD)
    assert pat == ("pat", "Basic OnBhdA==")  # base64(":pat")
    job = {"SYSTEM_ACCESSTOKEN": "job", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/"}
    assert credentials(ForgeConfig(), job, CLOUD) == ("job", "Bearer job")
    assert credentials(ForgeConfig(), job, "https://tfs.example.com/tfs") is None
    assert credentials(ForgeConfig(), {"SYSTEM_ACCESSTOKEN": "job"}, CLOUD) is None
    named = ForgeConfig(token_env="MY_PAT")
    assert credentials(named, {"MY_PAT": "p2", "AZURE_DEVOPS_TOKEN": "pat"}, CLOUD) == ("p2", "Basic OnAy")
    assert credentials(named, job, CLOUD) is None  # the operator named the variable


class _Forge:
    git_token = "pat_0123456789abcdef"


def test_git_gets_the_token_only_for_the_azure_devops_origin() -> None:
    url = "https://acme@dev.azure.com/acme/Web/_git/gitops"
    secret = forges.git_secret(Settings(forge=ForgeConfig(type="azure-devops")), url, _Forge())  # type: ignore[arg-type]
    assert secret is not None and secret.allows(url)
    assert not secret.allows("https://evil.example.com/acme/Web/_git/gitops")
    assert not secret.allows("https://github.com/acme/gitops.git")
    old = "https://acme.visualstudio.com/Web/_git/gitops"
    secret = forges.git_secret(Settings(), old, _Forge())  # type: ignore[arg-type]
    assert secret is not None and secret.allows(old) and secret.allows("https://dev.azure.com/x")
    assert not secret.allows("https://other.visualstudio.com/Web/_git/gitops")
    server = ForgeConfig(type="azure-devops", api_url="https://tfs.example.com/tfs", repository="M/W/g")
    secret = forges.git_secret(Settings(forge=server), "https://tfs.example.com/tfs/M/W/_git/g", _Forge())  # type: ignore[arg-type]
    assert secret is not None and secret.allows("https://tfs.example.com/tfs/M/W/_git/g")
    assert not secret.allows("https://dev.azure.com/M/W/_git/g")


def test_the_first_fetch_sends_an_azure_token_only_to_azure_devops_or_the_pipelines_server() -> None:
    url = "https://dev.azure.com/acme/Web/_git/gitops"
    secret, user = forges.first_fetch_credentials(url, {"AZURE_DEVOPS_TOKEN": "pat_0123456789"})
    assert secret is not None and secret.value == "pat_0123456789" and user == AzureDevOps.git_user
    assert (
        forges.first_fetch_credentials("https://git.example.com/a/b.git", {"AZURE_DEVOPS_TOKEN": "pat"})[0]
        is None
    )
    job = {
        "SYSTEM_ACCESSTOKEN": "job_0123456789",
        "SYSTEM_COLLECTIONURI": "https://tfs.example.com/tfs/Main/",
    }
    secret, _ = forges.first_fetch_credentials("https://tfs.example.com/tfs/Main/Web/_git/g", job)
    assert secret is not None and secret.value == "job_0123456789"
    assert forges.first_fetch_credentials(url, job)[0] is None  # the job token is that server's
