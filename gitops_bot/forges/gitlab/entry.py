"""GitLab as the forge registry names it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitops_bot.forges.entries import ForgeEntry, TokenVariable, adapter
from gitops_bot.forges.remotes import remote_server
from gitops_bot.forges.settings import ForgeSettings

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge

ADAPTER = "gitops_bot.forges.gitlab.adapter"  # imported when a run talks to the forge


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    forge: Forge = adapter(ADAPTER).GitLab.connect(cfg.forge, url, environ)
    return forge


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """A personal or project token (git user ``oauth2``) and GitLab CI's job token (git user
    ``gitlab-ci-token``), as the adapter takes them: for gitlab.com and the server GitLab CI
    names (CI_SERVER_URL)."""
    hosts = ("https://gitlab.com", environ.get("CI_SERVER_URL"))
    return (
        TokenVariable("GITLAB_TOKEN", "oauth2", hosts),
        TokenVariable("CI_JOB_TOKEN", "gitlab-ci-token", hosts),
    )


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    """The configured server (``api_url`` without its ``/api/v4``), else the remote's host."""
    lab = cfg.forge.api_url
    return (lab.removesuffix("/").removesuffix("/api/v4") if lab else remote_server(url),)


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.gitlab.compare",
    tokens=tokens,
    git_hosts=git_hosts,
)
