"""Bitbucket Data Center as the forge registry names it: its token, and where its repositories
live (remotes, the server), which a run reads before it connects; the adapter is imported when
it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from gitops_bot.core.errors import RemoteUnknown, UsageError
from gitops_bot.core.record import record
from gitops_bot.forges.entries import ForgeEntry, TokenVariable, adapter
from gitops_bot.forges.remotes import split_remote
from gitops_bot.forges.settings import ForgeConfig, ForgeSettings
from gitops_bot.git.gitcli import BEARER

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge

ADAPTER = "gitops_bot.forges.bitbucket_dc.adapter"  # imported when a run talks to the server
NAME = "Bitbucket Data Center"
TOKEN_ENV = "BITBUCKET_TOKEN"
USER_ENV = "BITBUCKET_USERNAME"
SERVER_ENV = "BITBUCKET_SERVER_URL"  # names the server before the config is read


@record
class BitbucketRemote:
    server: str  # https://host[/context]
    project: str  # the project key, or ~user for a personal repository
    slug: str


def parse_remote(url: str) -> BitbucketRemote | None:
    """``https://host[/context]/scm/{project}/{repo}.git`` (the server and the repository), or
    ``ssh://git@host:7999/{project}/{repo}.git`` (its web side guessed as ``https://host``)."""
    parts = split_remote(url)
    if parts is None:
        return None
    host, path = parts
    segments = [unquote(s) for s in path.split("/")]
    if url.startswith(("https://", "http://")):
        if "scm" not in segments:
            return None
        at = segments.index("scm")
        if len(segments) != at + 3:
            return None
        split = urlsplit(url)
        root = f"{split.scheme}://{split.netloc.rpartition('@')[2]}"
        server = "/".join([root, *(quote(s) for s in segments[:at])])
        return BitbucketRemote(server, segments[at + 1], segments[at + 2])
    if len(segments) != 2:
        return None
    return BitbucketRemote(f"https://{host}", segments[0], segments[1])


def locate(fcfg: ForgeConfig, url: str) -> BitbucketRemote:
    """``forge.api_url`` (the server) and ``forge.repository`` (``PROJECT/repository``), each
    falling back on what the remote URL says."""
    found = parse_remote(url)
    # the token goes to this server: one read from an http clone URL is taken as https, as the
    # other forges take a remote's web side; a server really on plain http is forge.api_url
    guessed = "https://" + found.server.split("://", 1)[1] if found else ""
    server = (fcfg.api_url or guessed).rstrip("/")
    if fcfg.repository:
        parts = fcfg.repository.split("/")
        if len(parts) != 2:
            raise UsageError(
                f"forge repository {fcfg.repository!r} is not PROJECT/repository",
                hint="on Bitbucket Data Center set forge.repository to PROJECT/repository",
            )
        project, slug = parts
    elif found is not None:
        project, slug = found.project, found.slug
    else:
        raise RemoteUnknown(
            f"cannot tell the {NAME} repository of {url}",
            hint="set forge.repository (PROJECT/repository) and forge.api_url in gitops-bot.yaml",
        )
    if not server:
        raise RemoteUnknown(f"cannot tell the {NAME} server of {url}", hint="set forge.api_url")
    return BitbucketRemote(server, project, slug)


def git_user(environ: Mapping[str, str]) -> str:
    """A personal token goes to git as the password of its user (BITBUCKET_USERNAME); a project
    or repository token, which takes no user name, as a Bearer token."""
    return environ.get(USER_ENV) or BEARER


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    forge: Forge = adapter(ADAPTER).BitbucketDataCenter.connect(cfg.forge, url, environ)
    return forge


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """BITBUCKET_TOKEN for the server BITBUCKET_SERVER_URL names, as Data Center's git takes it."""
    return (TokenVariable(TOKEN_ENV, git_user(environ), (environ.get(SERVER_ENV),)),)


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    return (locate(cfg.forge, url).server,)


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.bitbucket_dc.compare",
    own_source_urls=True,
    tokens=tokens,
    git_hosts=git_hosts,
)
