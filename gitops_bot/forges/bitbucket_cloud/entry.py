"""Bitbucket Cloud as the forge registry names it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.forges.bitbucket_cloud import compare
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud, refuse_auto_merge
from gitops_bot.forges.forge import Forge, ForgeEntry, MergeSubject
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


ENTRY = ForgeEntry(
    names=("bitbucket-cloud",),
    connect=connect,
    # its merge and squash subjects: "Merged in branch (pull request #12)"
    merge_subjects=(MergeSubject(re.compile(r"^Merged in \S+ \(pull request #(\d+)\)")),),
    compare=compare.compare,
    source_api=compare.source_api,
    source_auth=compare.source_auth,
    check=check,
)
