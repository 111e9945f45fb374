"""GitLab as the forge registry names it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gitops_bot.forges.forge import Forge, ForgeEntry, MergeSubject
from gitops_bot.forges.gitlab import compare
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    # python-gitlab (with requests, ~0.1 s to import) only for a run that talks to GitLab
    from gitops_bot.forges.gitlab.adapter import GitLab

    return GitLab.connect(cfg.forge, url, environ)


ENTRY = ForgeEntry(
    names=("gitlab",),
    connect=connect,
    # the merge commit's body line "See merge request group/project!12"
    merge_subjects=(
        MergeSubject(re.compile(r"^See merge request \S*!(\d+)\s*$", re.MULTILINE), in_message=True),
    ),
    compare=compare.compare,
    source_api=compare.source_api,
    source_auth=compare.source_auth,
    issues=True,
)
