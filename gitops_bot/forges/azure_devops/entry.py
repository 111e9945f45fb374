"""Azure DevOps as the forge registry names it."""

from __future__ import annotations

from collections.abc import Mapping

from gitops_bot.forges.azure_devops.adapter import (
    CLOUD,
    PIPELINE_TOKEN_ENV,
    TOKEN_ENV,
    AzureDevOps,
    is_azure_host,
    locate,
    pipeline_server,
)
from gitops_bot.forges.entries import ForgeEntry, TokenVariable
from gitops_bot.forges.forge import Forge
from gitops_bot.forges.settings import ForgeSettings


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    return AzureDevOps.connect(cfg.forge, url, environ)


def _cloud_remote(url: str) -> str | None:
    """An https remote of the cloud service itself ({org}.visualstudio.com is dev.azure.com
    under its old name)."""
    return url if url.startswith("https://") and is_azure_host(url) else None


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """AZURE_DEVOPS_TOKEN for the cloud service (dev.azure.com, and this remote when it is an
    {org}.visualstudio.com one) and the server the pipeline names; SYSTEM_ACCESSTOKEN only for
    the server the pipeline names (SYSTEM_COLLECTIONURI): it issued that token."""
    pipeline = pipeline_server(environ)
    user = AzureDevOps.git_user
    return (
        TokenVariable(TOKEN_ENV, user, (CLOUD, _cloud_remote(url), pipeline)),
        TokenVariable(PIPELINE_TOKEN_ENV, user, (pipeline,), default=False),
    )


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    """The server the repository is on, and an https remote of the cloud service itself;
    never another host."""
    return (locate(cfg.forge, url).server, _cloud_remote(url))


ENTRY = ForgeEntry(
    names=("azure-devops",),
    connect=connect,
    # the ledger does not read Azure Repos' completion subject ("Merged PR 12: ..."): its
    # release contents do (compare.MERGE_SUBJECTS)
    merge_subjects=(),
    source="gitops_bot.forges.azure_devops.compare",
    own_source_urls=True,
    tokens=tokens,
    git_hosts=git_hosts,
)
