"""Bitbucket Cloud as the forge registry names it: its tokens and hosts, and what of a
configuration it refuses, which a run reads before it connects; the adapter is imported when
it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitops_bot.core.errors import UsageError
from gitops_bot.core.secret import Origin
from gitops_bot.forges.entries import ForgeEntry, TokenVariable, adapter
from gitops_bot.forges.settings import ForgeSettings

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge

ADAPTER = "gitops_bot.forges.bitbucket_cloud.adapter"  # imported when a run talks to Bitbucket
API = "https://api.bitbucket.org/2.0"
WEB = "https://bitbucket.org"
TOKEN_ENV = "BITBUCKET_TOKEN"
USER_ENV = "BITBUCKET_USERNAME"
APP_PASSWORD_ENV = "BITBUCKET_APP_PASSWORD"
API_TOKEN_ENV = "BITBUCKET_API_TOKEN"  # an Atlassian API token, which replaced app passwords
ACCESS_TOKEN_USER = "x-token-auth"  # git's user name for an access token (Atlassian's docs)


def refuse_auto_merge(auto_merge: str | None) -> None:
    """Bitbucket Cloud's API cannot ask for a merge when the checks pass; merging at once
    would step around them. Said when the run starts, before anything is pushed."""
    if auto_merge:
        raise UsageError(
            "pull_request auto_merge is set, but Bitbucket Cloud's API cannot set auto-merge",
            hint="remove pull_request.auto_merge; merge in Bitbucket (its 'auto-merge when builds "
            "pass' is set by a person in the pull request's merge dialog)",
        )


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    check(cfg)
    forge: Forge = adapter(ADAPTER).BitbucketCloud.connect(cfg.forge, url, environ)
    return forge


def check(cfg: ForgeSettings) -> None:
    refuse_auto_merge(_auto_merge(cfg))


def _auto_merge(cfg: ForgeSettings) -> str | None:
    """``pull_request.auto_merge`` of a whole configuration (choosing a forge needs only
    ``github`` and ``forge``; a configuration without ``pull_request`` asks for none)."""
    auto = getattr(getattr(cfg, "pull_request", None), "auto_merge", None)
    return auto if isinstance(auto, str) else None


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """BITBUCKET_TOKEN (an access token, git user ``x-token-auth``), and a user's API token or
    app password (git user BITBUCKET_USERNAME: without it, no git credential), for bitbucket.org
    and its API at api.bitbucket.org."""
    user = environ.get(USER_ENV) or None
    return (
        TokenVariable(TOKEN_ENV, ACCESS_TOKEN_USER, (WEB,), (API,)),
        *(TokenVariable(name, user, (WEB,), (API,)) for name in (API_TOKEN_ENV, APP_PASSWORD_ENV)),
    )


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    """git goes to bitbucket.org, the API to api.bitbucket.org (or the server tests name)."""
    bb = cfg.forge.api_url
    public = bb is None or Origin.of(bb) == Origin.of(API)
    return (WEB if public else bb,)


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.bitbucket_cloud.compare",
    check=check,
    tokens=tokens,
    git_hosts=git_hosts,
)
