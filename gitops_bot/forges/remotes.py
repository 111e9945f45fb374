"""Reading a repository's remote URL: its host and path, the forge a well-known host is, and
the project path an adapter works on."""

from __future__ import annotations

import functools
import re

from gitops_bot.core.errors import RemoteUnknown

KNOWN_HOSTS = {
    "github.com": "github",
    "gitlab.com": "gitlab",
    "codeberg.org": "forgejo",
    "bitbucket.org": "bitbucket-cloud",
}


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _url() -> re.Pattern[str]:
    return re.compile(r"^(?:[a-z+]+://)?(?:[^@/]+@)?(\[[^\]]+\]|[^/:]+)(?::(\d+))?[:/](.+?)(?:\.git)?/?$")


def split_remote(url: str) -> tuple[str, str] | None:
    """(host, path) of an https, ssh or scp-like remote URL; None for a local path."""
    if url.startswith("file:") or url.startswith("/"):
        return None
    m = _url().match(url)
    if not m:
        return None
    return m.group(1).lower(), m.group(3).strip("/")


def project_path(url: str, hosts: set[str], *, nested: bool) -> str | None:
    """The ``owner/name`` (``nested``: ``group/sub/project``) of a remote on one of ``hosts``."""
    parts = split_remote(url)
    if parts is None or parts[0] not in hosts:
        return None
    path = parts[1]
    segment = r"[\w.-]+"
    pattern = rf"^{segment}(?:/{segment})+$" if nested else rf"^{segment}/{segment}$"
    return path if re.match(pattern, path) and ".." not in path else None


def remote_project(url: str, *, nested: bool) -> str | None:
    """The project path of a remote on its own host (the forge was chosen already)."""
    parts = split_remote(url)
    return project_path(url, {parts[0]}, nested=nested) if parts else None


def remote_server(url: str) -> str | None:
    """``https://HOST`` of a remote URL (an ssh remote's web side is https on the same host)."""
    parts = split_remote(url)
    return f"https://{parts[0]}" if parts else None


def kind_from_url(url: str) -> str | None:
    parts = split_remote(url)
    return KNOWN_HOSTS.get(parts[0]) if parts else None


def no_repository(name: str, url: str, key: str) -> RemoteUnknown:
    return RemoteUnknown(
        f"cannot tell the {name} repository of {url}",
        hint=f"set {key} in gitops-bot.yaml",
    )
