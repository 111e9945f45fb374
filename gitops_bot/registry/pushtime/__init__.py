"""When the registry itself says a tag (and its digest) was pushed: one module per registry's
API behind one table (:data:`MODULES`), as ``policy/schemes`` holds the version schemes.

An image's own creation time (``org.opencontainers.image.created``, the config's ``created``)
is written by whoever built it: reproducible builds set it to the epoch or a fixed date, so an
age rule reading it can be fooled either way. The time a registry recorded when the manifest
reached it is the registry's own; these registries publish it through an API of their own
(not the OCI Distribution API, which has no time): GitHub Packages, Docker Hub, Quay, Harbor,
Azure Container Registry, Google Artifact Registry and Amazon ECR (each module says how).

:meth:`PushTimes.look` answers :class:`Pushed` or :class:`NoPushTime` (with the reason);
:meth:`PushTimes.pushed` answers ``Pushed | None`` and keeps the reason in ``why``. Nothing
here raises to the caller: a timeout, an error status, an answer too large, too deep, not JSON,
of an odd shape or with an unreadable time is a :class:`NoPushTime`, because an age rule must
treat a time it could not read as unknown, never as old enough. A time that reads but cannot
be true (before containers existed, years ahead) is kept as said: the age rule sets it aside
and the image waits (:func:`gitops_bot.policy.age.trusted`).

When a digest is given, the answer must name that digest: a tag that now points elsewhere has
moved since it was resolved, and the time of what it points to now says nothing about the
digest being released (:class:`NoPushTime`, "moved"). When the registry names no digest at all
(Docker Hub may not), the tag's time comes back with ``digest=None``, so the caller can tell.

Secrets: each credential is sent only to the API origin it is for (one client per origin and
credential; a redirect elsewhere drops it), is registered with the log's redaction, and no
reason text quotes an answer or a header. A registry's own credential (its login, a cloud's
workload identity included) goes only to that registry's API.

A new registry's API is one module implementing :class:`~.base.Vendor` and one line in
:data:`MODULES` (and its name in ``push_time``'s allowed values, which a test compares).
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, cast

import httpx

from gitops_bot.core.log import get_logger
from gitops_bot.registry.pushtime.base import (
    ATTEMPT,
    DIGEST,
    LIMIT,
    TAG,
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    Vendor,
)

if TYPE_CHECKING:
    from gitops_bot.registry.credentials import Secrets

__all__ = [
    "LIMIT",
    "MODULES",
    "OFF",
    "NoPushTime",
    "PushTimes",
    "Pushed",
    "kind_of",
    "vendors",
]

_log = get_logger(__name__)

# Each registry's API by its ``push_time:`` name: its module and the class in it, imported by
# name the first time a run asks a push time (a min_age rule), as the command line's table
# imports a command: a run without one loads no vendor (ECR's brings AWS's XML answers)
MODULES: dict[str, tuple[str, str]] = {
    "github": ("gitops_bot.registry.pushtime.github", "GitHubPackages"),
    "dockerhub": ("gitops_bot.registry.pushtime.dockerhub", "DockerHub"),
    "quay": ("gitops_bot.registry.pushtime.quay", "Quay"),
    "harbor": ("gitops_bot.registry.pushtime.harbor", "Harbor"),
    "acr": ("gitops_bot.registry.pushtime.acr", "AzureContainerRegistry"),
    "gar": ("gitops_bot.registry.pushtime.gar", "ArtifactRegistry"),
    "ecr": ("gitops_bot.registry.pushtime.ecr", "ElasticContainerRegistry"),
}


@functools.cache
def vendors() -> dict[str, Vendor]:
    """Every vendor by kind, in :data:`MODULES`' order: telling a host's API by its name asks
    each of them."""
    return {
        kind: cast(Vendor, getattr(importlib.import_module(module), name)())
        for kind, (module, name) in MODULES.items()
    }


OFF = "off"


def kind_of(host: str, harbor_hosts: Collection[str] = ()) -> str | None:
    """Which push-time API serves registry ``host`` by its name ("github", "ecr", ...), None
    when none is known. Harbor can be any host: only those the operator names count."""
    host = host.strip().lower()
    found = next((vendor.kind for vendor in vendors().values() if vendor.recognises(host)), None)
    if found is None and host in {h.strip().lower() for h in harbor_hosts}:
        return "harbor"
    return found


class PushTimes:
    """Asks the registries' own APIs when a tag was pushed (see the module's text).

    ``base_urls`` replaces an API's address, by kind (``"github"``, ``"dockerhub"``, ...) or
    by registry host: tests point them at loopback fakes. ``kinds``: the operator's word on a
    host's API (a GHCR mirror, a Harbor, "off"), before the host's name. ``credentials``: the
    registry's own credential by host, for the APIs that take it (Harbor, ACR, Artifact
    Registry, ECR). ``timeout`` bounds each answer (at most :data:`ATTEMPT` seconds)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        base_urls: Mapping[str, str] | None = None,
        harbor_hosts: Collection[str] = (),
        kinds: Mapping[str, str] | None = None,
        credentials: Callable[[str], Secrets | None] | None = None,
        timeout: float = ATTEMPT,
    ) -> None:
        self._environ = environ
        self._bases = dict(base_urls or {})
        self.harbor_hosts = frozenset(h.strip().lower() for h in harbor_hosts)
        self._kinds = {h.strip().lower(): k for h, k in (kinds or {}).items()}
        self._calls = Calls(
            environ, transport=transport, timeout=min(max(timeout, 0.01), ATTEMPT), credentials=credentials
        )
        self._lock = threading.Lock()
        self._looked: dict[tuple[str, str, str, str | None], Pushed | NoPushTime] = {}
        self.why: str | None = None  # the last :meth:`pushed`'s reason for None

    # -- what callers ask -----------------------------------------------------------------

    def pushed(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | None:
        """:meth:`look`, None for :class:`NoPushTime` (its reason kept in ``why``). One thread
        per instance for ``why`` to mean anything; :meth:`look` has no such state."""
        found = self.look(host, repository, tag, digest)
        self.why = found.why if isinstance(found, NoPushTime) else None
        return found if isinstance(found, Pushed) else None

    def look(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | NoPushTime:
        """When ``host``'s API says ``repository:tag`` was pushed, as :class:`Pushed` (the
        time of ``digest`` when one is given), else :class:`NoPushTime` with the reason. Asked
        once per instance (a run): every environment's walk over a shared image asks the same
        question, and Docker Hub limits anonymous callers."""
        key = (host.strip().lower(), repository, tag, digest)
        with self._lock:
            kept = self._looked.get(key)
        if kept is None:
            kept = self._look(host, repository, tag, digest)
            with self._lock:
                self._looked[key] = kept
        return kept

    def kind(self, host: str) -> str | None:
        """The push-time API asked for ``host`` (None: none known; "off": turned off)."""
        return self._kinds.get(host.strip().lower()) or kind_of(host, self.harbor_hosts)

    def has_api(self, host: str) -> bool:
        """Whether ``host``'s push times are asked at all (a known API, not turned off)."""
        return self.kind(host) in MODULES

    def _look(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | NoPushTime:
        kind = self.kind(host)
        if kind == OFF:
            return NoPushTime(f"push times are off for {host}")
        vendor = vendors().get(kind or "")
        if vendor is None:
            return NoPushTime(f"{host} has no push-time API known to gitops-bot")
        # both go into URLs and into reasons: only what the OCI specs allow, so neither can
        # carry a path, a query or a line break
        if not TAG.fullmatch(tag) or (digest is not None and not DIGEST.fullmatch(digest)):
            return NoPushTime(f"cannot ask {vendor.source} about tag {tag!r} at {digest!r}")
        at = host.strip().lower()
        # the API's address: this registry's own (a GitHub Enterprise, a Harbor), else the kind's
        base = self._bases.get(at) or self._bases.get(vendor.kind) or vendor.api(at, self._environ)
        try:
            return vendor.look(
                self._calls, Question(at, repository.strip("/"), tag, digest, base.rstrip("/"))
            )
        except NoAnswer as exc:
            return NoPushTime(f"{vendor.source}: {exc}", unreadable=True)
        except Exception as exc:  # never a traceback for a time we could not read
            _log.warning("push time lookup failed", source=vendor.source, error=type(exc).__name__)
            return NoPushTime(f"{vendor.source}: the lookup failed ({type(exc).__name__})", unreadable=True)

    def close(self) -> None:
        self._calls.close()

    def __enter__(self) -> PushTimes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
