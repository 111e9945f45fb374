"""GitHub as the forge registry names it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from gitops_bot.core.errors import RemoteUnknown
from gitops_bot.core.secret import Origin, Secret
from gitops_bot.forges.entries import ForgeEntry, TokenVariable
from gitops_bot.forges.settings import ForgeSettings, GitHubConfig

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    # PyJWT and cryptography (a GitHub App's JWT) cost ~55 ms to import: only a run that
    # talks to GitHub pays it, not `plan`
    from gitops_bot.forges.github.adapter import GitHub, repository_from_url

    github_cfg = settings(cfg)
    repository = github_cfg.repository or repository_from_url(url, github_cfg.api_url)
    if repository is None:
        raise RemoteUnknown(
            f"cannot tell the GitHub repository of {url}",
            hint="set github.repository (owner/name) in gitops-bot.yaml; on GitLab, Gitea or "
            "Forgejo set forge: {type: gitlab|gitea|forgejo, api_url: ...}",
        )
    return GitHub.connect(github_cfg, repository, environ)


def settings(cfg: ForgeSettings) -> GitHubConfig:
    """``github:``, with what ``forge:`` says on top (``forge: {type: github, api_url: ...}``)."""
    f = cfg.forge
    return replace(
        cfg.github,
        api_url=f.api_url or cfg.github.api_url,
        repository=f.repository or cfg.github.repository,
        token_env=f.token_env or cfg.github.token_env,
    )


def app_credentials(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str] | None:
    """(the installation token bound to GitHub's git host, git user) of a GitHub App named by the
    default variables, for the first fetch of a GitHub repository; None without one."""
    from gitops_bot.forges.github.adapter import GitHub, repository_from_url  # see connect()

    gh_cfg = GitHubConfig()
    repository = repository_from_url(url, gh_cfg.api_url)
    if not (repository and environ.get(gh_cfg.app_id_env) and environ.get(gh_cfg.app_key_env)):
        return None
    git_token = GitHub.connect(gh_cfg, repository, environ).git_token
    where = ["https://github.com" if gh_cfg.api_url == "https://api.github.com" else gh_cfg.api_url]
    return (Secret.for_urls(git_token, where, "the GitHub App") if git_token else None), GitHub.git_user


PUBLIC = "https://github.com"
PUBLIC_API = "https://api.github.com"
GIT_USER = "x-access-token"  # GitHub.git_user


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """GITHUB_TOKEN and the App's key: for github.com and the server GitHub Actions names
    (GITHUB_SERVER_URL; its API at GITHUB_API_URL). The key is no git credential alone."""
    defaults = GitHubConfig()
    hosts = (PUBLIC, environ.get("GITHUB_SERVER_URL"))
    api = (PUBLIC_API, environ.get("GITHUB_API_URL"))
    return (
        TokenVariable(defaults.token_env, GIT_USER, hosts, api),
        TokenVariable(defaults.app_key_env, None, hosts, api),
    )


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    """github.com for the public API, else the GitHub Enterprise host ``api_url`` names."""
    api = settings(cfg).api_url
    return (PUBLIC if Origin.of(api) == Origin.of(PUBLIC_API) else api,)


def reads(cfg: ForgeSettings) -> tuple[str, ...]:
    """The token's and the App key's variables, as ``github:`` (and ``forge:``) name them."""
    gh = settings(cfg)
    return (gh.token_env, gh.app_key_env)


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.github.compare",
    tokens=tokens,
    git_hosts=git_hosts,
    api_url=lambda cfg: settings(cfg).api_url,
    reads=reads,
    first_fetch=app_credentials,
)
