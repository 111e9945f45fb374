"""Bitbucket Cloud is chosen by its host (bitbucket.org) or ``forge: type``, Bitbucket Data
Center by ``forge: type``; the repository is read from the remote forms, the configuration or
Bitbucket Pipelines' variables; and a Bitbucket token goes only to its own origin: git gets a
Cloud token for bitbucket.org, a Data Center token for its server, never another host, and
before the config is read BITBUCKET_TOKEN goes only to bitbucket.org and the Data Center server
BITBUCKET_SERVER_URL names."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.secret import Secret
from gitops_bot.forges import registry as forges
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud, credentials, pipeline_repository
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.bitbucket_dc.entry import BitbucketRemote, git_user, locate, parse_remote
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.git.gitcli import BEARER, auth_env


@dataclass(frozen=True)
class PullRequest:
    auto_merge: str | None = None


@dataclass(frozen=True)
class Settings:
    github: GitHubConfig = field(default_factory=GitHubConfig)
    forge: ForgeConfig = field(default_factory=ForgeConfig)
    pull_request: PullRequest = field(default_factory=PullRequest)


@pytest.mark.parametrize(
    "url",
    [
        "https://bitbucket.org/acme/gitops.git",
        "git@bitbucket.org:acme/gitops.git",
        "https://me@bitbucket.org/acme/gitops",
    ],
)
def test_a_bitbucket_org_remote_is_bitbucket_cloud_and_names_its_repository(url: str) -> None:
    assert forges.kind(Settings(), url) == "bitbucket-cloud"
    bb = forges.connect(Settings(), url, {"BITBUCKET_TOKEN": "bb_token_0123456789"})
    assert isinstance(bb, BitbucketCloud) and bb.repository == "acme/gitops"


def test_data_center_is_chosen_by_its_type_only() -> None:
    url = "https://git.example.com/scm/acme/gitops.git"
    assert forges.kind(Settings(), url) == "github"
    cfg = Settings(forge=ForgeConfig(type="bitbucket-data-center"))
    dc = forges.connect(cfg, url, {"BITBUCKET_TOKEN": "bb_token_0123456789"})
    assert isinstance(dc, BitbucketDataCenter) and dc.remote == BitbucketRemote(
        "https://git.example.com", "acme", "gitops"
    )


def test_pipelines_variables_name_the_repository_when_the_remote_does_not() -> None:
    env = {
        "BITBUCKET_WORKSPACE": "acme",
        "BITBUCKET_REPO_SLUG": "gitops",
        "BITBUCKET_TOKEN": "bb_token_0123456789",
    }
    assert pipeline_repository(env) == "acme/gitops" and pipeline_repository({}) is None
    cfg = Settings(forge=ForgeConfig(type="bitbucket-cloud"))
    bb = forges.connect(cfg, "file:///srv/gitops.git", env)
    assert isinstance(bb, BitbucketCloud) and bb.repository == "acme/gitops"
    with pytest.raises(UsageError, match="workspace/repository"):
        forges.connect(cfg, "file:///srv/gitops.git", {"BITBUCKET_TOKEN": "bb_token_0123456789"})


def test_auto_merge_on_bitbucket_cloud_is_refused_when_connecting() -> None:
    cfg = Settings(pull_request=PullRequest(auto_merge="squash"))
    with pytest.raises(UsageError, match="auto_merge") as caught:
        forges.connect(
            cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": "bb_token_0123456789"}
        )
    assert caught.value.exit_code == 2


def test_an_access_token_is_bearer_and_an_app_password_basic_with_its_user() -> None:
    token = credentials(ForgeConfig(), {"BITBUCKET_TOKEN": "t0ken", "BITBUCKET_USERNAME": "alice"})
    assert token is not None and (token.header, token.git_user) == ("Bearer t0ken", "x-token-auth")
    pw = credentials(ForgeConfig(), {"BITBUCKET_USERNAME": "alice", "BITBUCKET_APP_PASSWORD": "pw"})
    assert pw is not None and (pw.header, pw.git_user, pw.secret) == ("Basic YWxpY2U6cHc=", "alice", "pw")
    # a named token_env is the only source then
    assert (
        credentials(
            ForgeConfig(token_env="MY_TOKEN"), {"BITBUCKET_USERNAME": "a", "BITBUCKET_APP_PASSWORD": "p"}
        )
        is None
    )


def test_git_gets_a_bitbucket_token_only_for_its_own_host() -> None:
    env = {"BITBUCKET_TOKEN": "bb_token_0123456789"}
    url = "https://bitbucket.org/acme/gitops.git"
    secret = forges.git_secret(Settings(), url, forges.connect(Settings(), url, env))
    assert (
        secret is not None
        and secret.allows(url)
        and not secret.allows("https://evil.example.com/acme/gitops.git")
    )
    assert not secret.allows("https://api.bitbucket.org.evil.example/x")

    dc_cfg = Settings(
        forge=ForgeConfig(type="bitbucket-data-center", api_url="https://git.example.com/bitbucket")
    )
    dc_url = "https://git.example.com/bitbucket/scm/acme/gitops.git"
    dc_secret = forges.git_secret(dc_cfg, dc_url, forges.connect(dc_cfg, dc_url, env))
    assert dc_secret is not None and dc_secret.allows(dc_url)
    assert not dc_secret.allows("https://bitbucket.org/acme/gitops.git")


def test_before_the_config_is_read_bitbucket_token_goes_only_to_bitbucket_org() -> None:
    env = {"BITBUCKET_TOKEN": "bb_token_0123456789"}
    secret, user = forges.first_fetch_credentials("https://bitbucket.org/acme/gitops.git", env)
    assert secret is not None and user == "x-token-auth"
    assert forges.first_fetch_credentials("https://git.example.com/scm/acme/gitops.git", env)[0] is None
    pw_env = {"BITBUCKET_USERNAME": "alice", "BITBUCKET_APP_PASSWORD": "app_password_0123456789"}
    assert forges.first_fetch_credentials("https://bitbucket.org/acme/gitops.git", pw_env)[1] == "alice"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://git.example.com/scm/acme/gitops.git",
            BitbucketRemote("https://git.example.com", "acme", "gitops"),
        ),
        (
            "https://me@git.example.com:8443/bitbucket/scm/~alice/tools.git",
            BitbucketRemote("https://git.example.com:8443/bitbucket", "~alice", "tools"),
        ),
        (
            "ssh://git@git.example.com:7999/acme/gitops.git",
            BitbucketRemote("https://git.example.com", "acme", "gitops"),
        ),
        ("https://git.example.com/acme/gitops.git", None),
        ("/srv/git/gitops", None),
    ],
)
def test_data_center_remotes_name_their_server_project_and_repository(
    url: str, expected: BitbucketRemote | None
) -> None:
    assert parse_remote(url) == expected


def test_data_center_configuration_overrides_the_remote_and_a_bad_repository_is_one_line() -> None:
    cfg = ForgeConfig(
        type="bitbucket-data-center", api_url="https://bb.example.com/", repository="OPS/deploy"
    )
    assert locate(cfg, "ssh://git@git.example.com:7999/acme/gitops.git") == BitbucketRemote(
        "https://bb.example.com", "OPS", "deploy"
    )
    with pytest.raises(UsageError, match="is not PROJECT/repository"):
        locate(ForgeConfig(repository="a/b/c"), "https://git.example.com/scm/acme/gitops.git")
    with pytest.raises(UsageError, match=r"forge\.repository"):
        locate(ForgeConfig(), "/srv/git/gitops")


def test_an_api_token_goes_to_the_api_with_the_email_and_to_git_with_the_user_name() -> None:
    env = {"BITBUCKET_USERNAME": "alice", "BITBUCKET_API_TOKEN": "tok", "BITBUCKET_EMAIL": "a@example.com"}
    found = credentials(ForgeConfig(), env)
    assert found is not None and (found.header, found.git_user) == ("Basic YUBleGFtcGxlLmNvbTp0b2s=", "alice")


def test_a_data_center_token_goes_to_git_as_bearer_unless_a_user_is_named() -> None:
    url = "https://git.example.com/scm/acme/gitops.git"
    secret = Secret.for_urls("dc_token_0123456789", ["https://git.example.com"], "$BITBUCKET_TOKEN")
    assert git_user({}) == BEARER and git_user({"BITBUCKET_USERNAME": "alice"}) == "alice"
    assert auth_env(url, secret, BEARER)["GIT_CONFIG_VALUE_0"] == "Authorization: Bearer dc_token_0123456789"
    assert auth_env(url, secret, "alice")["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")


def test_before_the_config_is_read_a_data_center_token_goes_only_to_the_server_named() -> None:
    url = "https://git.example.com/scm/acme/gitops.git"
    env = {"BITBUCKET_TOKEN": "dc_token_0123456789", "BITBUCKET_SERVER_URL": "https://git.example.com"}
    secret, user = forges.first_fetch_credentials(url, env)
    assert secret is not None and secret.allows(url) and user == BEARER
    assert forges.first_fetch_credentials("https://other.example.com/scm/acme/gitops.git", env)[0] is None
