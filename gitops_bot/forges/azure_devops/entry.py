"""Azure DevOps as the forge registry names it: its tokens, and where its repositories live
(remotes, the server a pipeline names), which a run reads before it connects; the adapter is
imported when it does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from gitops_bot.core.errors import RemoteUnknown, UsageError
from gitops_bot.core.record import record
from gitops_bot.forges.entries import ForgeEntry, TokenVariable, adapter
from gitops_bot.forges.remotes import split_remote
from gitops_bot.forges.settings import ForgeConfig, ForgeSettings

if TYPE_CHECKING:
    from gitops_bot.forges.forge import Forge

ADAPTER = "gitops_bot.forges.azure_devops.adapter"  # imported when a run talks to Azure DevOps
TOKEN_ENV = "AZURE_DEVOPS_TOKEN"
PIPELINE_TOKEN_ENV = "SYSTEM_ACCESSTOKEN"
CLOUD = "https://dev.azure.com"
GIT_USER = "gitops-bot"  # Azure Repos takes a PAT or job token as the password of any user


@record
class AzureRemote:
    """Where an Azure Repos repository lives: the server (``https://dev.azure.com``, or an Azure
    DevOps Server's collection root), organization (collection), project and repository."""

    server: str
    organization: str
    project: str
    repository: str


_SSH = re.compile(r"^v3/([^/]+)/([^/]+)/([^/]+?)$")


def parse_remote(url: str) -> AzureRemote | None:
    """An Azure Repos remote URL: ``https://[org@]dev.azure.com/{org}/{project}/_git/{repo}``,
    ``https://{org}.visualstudio.com/[DefaultCollection/]{project}/_git/{repo}``, ssh
    ``git@ssh.dev.azure.com:v3/{org}/{project}/{repo}`` (or ``vs-ssh.visualstudio.com``), or an
    Azure DevOps Server's ``https://host[/tfs]/{collection}/{project}/_git/{repo}``."""
    parts = split_remote(url)
    if parts is None:
        return None
    host, path = parts
    segments = [unquote(s) for s in path.split("/")]
    if host in ("ssh.dev.azure.com", "vs-ssh.visualstudio.com"):
        m = _SSH.match("/".join(segments))
        return AzureRemote(CLOUD, m.group(1), m.group(2), m.group(3)) if m else None
    if "_git" not in segments:
        return None
    at = segments.index("_git")
    if at + 2 != len(segments) or at < 1:
        return None
    repo, project, before = segments[at + 1], segments[at - 1], segments[: at - 1]
    if host == "dev.azure.com":
        return AzureRemote(CLOUD, before[0], project, repo) if len(before) == 1 else None
    if host.endswith(".visualstudio.com"):
        # {org}.visualstudio.com is dev.azure.com/{org}: the API is the same service
        if before in ([], ["DefaultCollection"]):
            return AzureRemote(CLOUD, host.removesuffix(".visualstudio.com"), project, repo)
        return None
    if not before:  # an Azure DevOps Server URL names its collection before the project
        return None
    split = urlsplit(url)
    root = f"{split.scheme}://{split.netloc.rpartition('@')[2]}" if split.scheme.startswith("http") else None
    server = "/".join([root or f"https://{host}", *(quote(s) for s in before[:-1])])
    return AzureRemote(server, before[-1], project, repo)


def is_azure_host(url: str) -> bool:
    parts = split_remote(url)
    host = parts[0] if parts else ""
    return host in ("dev.azure.com", "ssh.dev.azure.com", "vs-ssh.visualstudio.com") or host.endswith(
        ".visualstudio.com"
    )


def locate(fcfg: ForgeConfig, url: str) -> AzureRemote:
    """The repository from ``forge.repository`` (``organization/project/repository``) and
    ``forge.api_url`` (the server, ``https://dev.azure.com`` by default), else from the remote."""
    if fcfg.repository:
        parts = fcfg.repository.split("/")
        if len(parts) != 3:
            raise UsageError(
                f"forge repository {fcfg.repository!r} is not organization/project/repository",
                hint="on Azure DevOps set forge.repository to organization/project/repository",
            )
        return AzureRemote((fcfg.api_url or CLOUD).rstrip("/"), *parts)
    found = parse_remote(url)
    if found is None:
        raise RemoteUnknown(
            f"cannot tell the Azure DevOps repository of {url}",
            hint="set forge.repository (organization/project/repository) in gitops-bot.yaml",
        )
    return replace(found, server=fcfg.api_url.rstrip("/")) if fcfg.api_url else found


def pipeline_server(environ: Mapping[str, str]) -> str | None:
    """The origin of the collection Azure Pipelines names (``SYSTEM_COLLECTIONURI``)."""
    uri = environ.get("SYSTEM_COLLECTIONURI", "")
    if not uri:
        return None
    return origin_of(uri)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    forge: Forge = adapter(ADAPTER).AzureDevOps.connect(cfg.forge, url, environ)
    return forge


def _cloud_remote(url: str) -> str | None:
    """An https remote of the cloud service itself ({org}.visualstudio.com is dev.azure.com
    under its old name)."""
    return url if url.startswith("https://") and is_azure_host(url) else None


def tokens(url: str, environ: Mapping[str, str]) -> tuple[TokenVariable, ...]:
    """AZURE_DEVOPS_TOKEN for the cloud service (dev.azure.com, and this remote when it is an
    {org}.visualstudio.com one) and the server the pipeline names; SYSTEM_ACCESSTOKEN only for
    the server the pipeline names (SYSTEM_COLLECTIONURI): it issued that token."""
    pipeline = pipeline_server(environ)
    user = GIT_USER
    return (
        TokenVariable(TOKEN_ENV, user, (CLOUD, _cloud_remote(url), pipeline)),
        TokenVariable(PIPELINE_TOKEN_ENV, user, (pipeline,), default=False),
    )


def git_hosts(cfg: ForgeSettings, url: str) -> tuple[str | None, ...]:
    """The server the repository is on, and an https remote of the cloud service itself;
    never another host."""
    return (locate(cfg.forge, url).server, _cloud_remote(url))


ENTRY = ForgeEntry(
    connect=connect,
    source="gitops_bot.forges.azure_devops.compare",
    own_source_urls=True,
    tokens=tokens,
    git_hosts=git_hosts,
    serves=is_azure_host,
)
