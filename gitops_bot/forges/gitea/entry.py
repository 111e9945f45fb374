"""Gitea and Forgejo as the forge registry names them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitops_bot.forges.entries import ForgeEntry, TokenVariable, adapter
from gitops_bot.forges.remotes import KNOWN_HOSTS, remote_server
from gitops_bot.forges.settings import ForgeSettings

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge

ADAPTER = "gitops_bot.forges.gitea.adapter"  # imported when a run talks to the forge
TOKEN_ENVS = ("GITEA_TOKEN", "FORGEJO_TOKEN")
GIT_USER = "gitops-bot"  # Gitea takes a token as the password under any user name


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    forge: Forge = adapter(ADAPTER).Gitea.connect(cfg.forge, url, environ)
    return forge


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """GITEA_TOKEN and FORGEJO_TOKEN: for the public Forgejo and Gitea hosts (Codeberg) and the
    server Gitea/Forgejo Actions name (GITHUB_SERVER_URL). The Actions' own GITHUB_TOKEN is
    GitHub's variable: the adapter uses it only for the server the pipeline names."""
    public = [
        f"https://{host}" for kind in ("forgejo", "gitea") for host, k in KNOWN_HOSTS.items() if k == kind
    ]
    hosts = (*public, environ.get("GITHUB_SERVER_URL"))
    return tuple(TokenVariable(name, GIT_USER, hosts) for name in TOKEN_ENVS)


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    return (cfg.forge.api_url or remote_server(url),)


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.gitea.compare",
    tokens=tokens,
    git_hosts=git_hosts,
)
