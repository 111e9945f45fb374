"""Bitbucket Data Center as the forge registry names it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.forges.bitbucket_dc import compare
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.forge import Forge, ForgeEntry, MergeSubject
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    return BitbucketDataCenter.connect(cfg.forge, url, environ)


ENTRY = ForgeEntry(
    names=("bitbucket-data-center",),
    connect=connect,
    # 7.0+: "Pull request #12: title"
    merge_subjects=(MergeSubject(re.compile(r"^Pull request #(\d+): ")),),
    compare=compare.compare,
    source_api=compare.source_api,
    source_auth=compare.source_auth,
    own_source_urls=True,
)
