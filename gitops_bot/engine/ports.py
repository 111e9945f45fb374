"""The ports (issue 14): what the use cases need from the outside, as ``typing.Protocol``.

Each Protocol holds exactly the methods the use cases call on an adapter, no more; the adapters
(``registry.client.RegistryClient``, ``registry.pool.RegistryPool``, ``git.git.GitWorkspace``)
satisfy them structurally, and ``tests/contract/test_ports.py`` checks that they do.
The forge port is :class:`gitops_bot.forges.forge.Forge`, beside the change-request type it speaks; the
gate port is :class:`gitops_bot.gate.port.Gate`, beside the Argo CD adapter.
This module imports only ``model`` (layer 1): adapters may import it, it imports no adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from gitops_bot.core.model import ImageAge, ImageMetadata


@runtime_checkable
class Registry(Protocol):
    """One registry host: tags, digests, metadata (``RegistryClient``)."""

    def expect(self, repositories: Iterable[str]) -> None: ...

    def list_tags(self, repository: str) -> list[str]: ...

    def resolve_digest(self, repository: str, reference: str, platform: str | None = None) -> str: ...

    def exists(self, repository: str, digest: str) -> bool: ...

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata: ...

    def get_age(self, repository: str, reference: str, platform: str | None = None) -> ImageAge: ...


@runtime_checkable
class Registries(Protocol):
    """The registry client of each host (``RegistryPool``)."""

    def client(self, host: str) -> Registry: ...

    def close(self) -> None: ...


@runtime_checkable
class Workspace(Protocol):
    """A checkout of the GitOps repository (``git.git.GitWorkspace``): fetch, check out, read."""

    base: str
    worktree: Path | None

    def fetch(self, base: str | None, prefix: str) -> str: ...

    def checkout_base(self) -> Path: ...

    def read_blobs(
        self, blobs: Sequence[str], rev: str | None = None, paths: Sequence[str] = ()
    ) -> dict[str, bytes]: ...

    def close(self) -> None: ...
