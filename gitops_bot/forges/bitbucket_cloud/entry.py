"""Bitbucket Cloud as the forge registry names it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.core.secret import Origin
from gitops_bot.forges.bitbucket_cloud.adapter import (
    ACCESS_TOKEN_USER,
    API,
    API_TOKEN_ENV,
    APP_PASSWORD_ENV,
    TOKEN_ENV,
    USER_ENV,
    WEB,
    BitbucketCloud,
    refuse_auto_merge,
)
from gitops_bot.forges.entries import ForgeEntry, MergeSubject, TokenVariable
from gitops_bot.forges.forge import Forge
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    check(cfg)
    return BitbucketCloud.connect(cfg.forge, url, environ)


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
    names=("bitbucket-cloud",),
    connect=connect,
    # its merge and squash subjects: "Merged in branch (pull request #12)"
    merge_subjects=(MergeSubject(re.compile(r"^Merged in \S+ \(pull request #(\d+)\)")),),
    source="gitops_bot.forges.bitbucket_cloud.compare",
    check=check,
    tokens=tokens,
    git_hosts=git_hosts,
)
