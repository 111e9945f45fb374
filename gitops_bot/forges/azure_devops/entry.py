"""Azure DevOps as the forge registry names it."""

from __future__ import annotations

from collections.abc import Mapping

from gitops_bot.forges.azure_devops import compare
from gitops_bot.forges.azure_devops.adapter import AzureDevOps
from gitops_bot.forges.forge import Forge, ForgeEntry
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    return AzureDevOps.connect(cfg.forge, url, environ)


ENTRY = ForgeEntry(
    names=("azure-devops",),
    connect=connect,
    # the ledger does not read Azure Repos' completion subject ("Merged PR 12: ..."): its
    # release contents do (compare.MERGE_SUBJECTS)
    merge_subjects=(),
    compare=compare.compare,
    source_api=compare.source_api,
    source_auth=compare.source_auth,
    own_source_urls=True,
)
