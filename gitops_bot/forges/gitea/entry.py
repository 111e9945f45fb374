"""Gitea and Forgejo as the forge registry names them."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.forges.forge import Forge, ForgeEntry, MergeSubject
from gitops_bot.forges.gitea import compare
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    return Gitea.connect(cfg.forge, url, environ)


ENTRY = ForgeEntry(
    names=("gitea", "forgejo"),
    connect=connect,
    # "Merge pull request 'title' (#12) from branch into main"; squash titles end "(#12)" as GitHub's
    merge_subjects=(MergeSubject(re.compile(r"^Merge pull request '.*' \(#(\d+)\) from ")),),
    compare=compare.compare,
    source_api=compare.source_api,
    source_auth=compare.source_auth,
    issues=True,
)
