"""Bitbucket Data Center as the forge registry names it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.forges.bitbucket_dc.adapter import (
    SERVER_ENV,
    TOKEN_ENV,
    BitbucketDataCenter,
    git_user,
    locate,
)
from gitops_bot.forges.entries import ForgeEntry, MergeSubject, TokenVariable
from gitops_bot.forges.forge import Forge
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    return BitbucketDataCenter.connect(cfg.forge, url, environ)


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """BITBUCKET_TOKEN for the server BITBUCKET_SERVER_URL names, as Data Center's git takes it."""
    return (TokenVariable(TOKEN_ENV, git_user(environ), (environ.get(SERVER_ENV),)),)


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    return (locate(cfg.forge, url).server,)


ENTRY = ForgeEntry(
    names=("bitbucket-data-center",),
    connect=connect,
    # 7.0+: "Pull request #12: title"
    merge_subjects=(MergeSubject(re.compile(r"^Pull request #(\d+): ")),),
    source="gitops_bot.forges.bitbucket_dc.compare",
    own_source_urls=True,
    tokens=tokens,
    git_hosts=git_hosts,
)
