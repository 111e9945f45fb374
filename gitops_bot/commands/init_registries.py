"""The registries ``gitops-bot init`` plans with: none asked (without ``--registry``: each
image's and chart's question is its skip, with the reason), or each asked and one found
unreachable not asked again, so the registries that answer still give their checks and the
first plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitops_bot import config as config_mod
from gitops_bot.core.errors import NOT_ASKED, RegistryNotAsked
from gitops_bot.core.model import ImageAge, ImageMetadata
from gitops_bot.registry.pool import RegistryPool


class Unasked:
    """A registry that is not asked: every question is that image's skip, with the reason."""

    def __init__(self, reason: str = NOT_ASKED) -> None:
        self.reason = reason

    def expect(self, repositories: Iterable[str]) -> None:
        return None

    def list_tags(self, repository: str) -> list[str]:
        raise RegistryNotAsked(self.reason)

    def resolve_digest(self, repository: str, reference: str, platform: str | None = None) -> str:
        raise RegistryNotAsked(self.reason)

    def exists(self, repository: str, digest: str) -> bool:
        raise RegistryNotAsked(self.reason)

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata:
        raise RegistryNotAsked(self.reason)

    def get_age(self, repository: str, reference: str, platform: str | None = None) -> ImageAge:
        raise RegistryNotAsked(self.reason)


class UnaskedIndexes:
    """The classic chart repositories, not asked: each chart's versions are its skip."""

    def __init__(self, reason: str = NOT_ASKED) -> None:
        self.reason = reason

    def versions(self, repository: str, chart: str, **_: object) -> list[str]:
        raise RegistryNotAsked(self.reason)


class NoRegistries(RegistryPool):
    """The pool ``init`` plans with when the registries (and chart repositories) are not to be
    asked."""

    def client(self, host: str) -> Unasked:  # type: ignore[override]
        return Unasked()

    @property
    def chart_indexes(self) -> UnaskedIndexes:  # type: ignore[override]
        return UnaskedIndexes()


# said of an image's and an oci:// chart's registry alike: a registry serves both
UNREACHED = "registry {host} not reached (the error line says why); not asked again"
CHART_UNREACHED = "chart repository {host} not reached (the error line says why); not asked again"


class ReachedRegistries(RegistryPool):
    """``--registry``: each registry asked, and one found unreachable not asked again: its
    images are skipped with why, so the registries that answer still give their checks and the
    first plan. ``off``: after a failure the plan could not place (a chart repository), nothing
    more is asked."""

    def __init__(self, config: config_mod.Config) -> None:
        super().__init__(config)
        self.unreachable: dict[str, str] = {}  # host -> the error that said so
        self.off = False

    def client(self, host: str) -> Any:
        if self.off or host in self.unreachable:
            return Unasked(UNREACHED.format(host=host))
        return super().client(host)

    @property
    def chart_indexes(self) -> Any:
        if self.off:
            return UnaskedIndexes("not asked once the plan met a host not reached (the error line says why)")
        return ReachedIndexes(super().chart_indexes, self.unreachable)


class ReachedIndexes:
    """The classic chart repositories for ``--registry``: one found unreachable (its host in
    ``unreachable``) is not asked again, and its charts say which repository that was."""

    def __init__(self, indexes: Any, unreachable: dict[str, str]) -> None:
        self._indexes = indexes
        self._unreachable = unreachable

    def versions(self, repository: str, chart: str, **kw: Any) -> list[str]:
        host = chart_host(repository)
        if host in self._unreachable:
            raise RegistryNotAsked(CHART_UNREACHED.format(host=host))
        return self._indexes.versions(repository, chart, **kw)  # type: ignore[no-any-return]


def chart_host(repository: str) -> str:
    """The host (and port) of a chart repository's URL, as its lines name it."""
    return repository.split("://", 1)[-1].split("/", 1)[0]
