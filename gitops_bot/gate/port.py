"""The gate port: what the use cases ask a deployment gate about an application, beside the
one adapter that answers it (:mod:`gitops_bot.gate.argocd`), as the forge port sits in
``forges/forge.py``.

Promotion asks whether the source runs what it promotes, and the gate answers with its
:class:`Verdict` (:meth:`Gate.verdict`: open or closed, by which rule, why, on what evidence,
since when), so what decides stays inside the adapter and a second kind of gate is one module.
Soak and automatic rollback also need *since when* the application is in its state, which only
the gate's own record can say honestly after a restart (the bot sees the gate only when it
runs): :meth:`Gate.live`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from gitops_bot.core.model import WrittenRef


@dataclass(frozen=True)
class Wanted:
    """An image the promotion carries: where it is pulled from, its tag and digest."""

    image: str
    repository: str
    tag: str | None
    digest: str | None


@dataclass(frozen=True)
class State:
    """What the gate reports of an application: sync, health and its last operation's phase."""

    sync: str
    health: str
    operation: str


@dataclass(frozen=True)
class Evidence:
    """What a verdict was reached on: the application's state and the images it runs."""

    state: State
    images: tuple[WrittenRef, ...]


@dataclass(frozen=True)
class Verdict:
    """A gate's decision on one application and the images wanted there.

    ``rule`` says what must hold for the gate to open; ``reasons`` what does not (empty when
    open); ``since`` when the application reached the state judged, as the gate records it
    (None when it does not say)."""

    open: bool
    rule: str
    reasons: tuple[str, ...]
    evidence: Evidence
    since: datetime | None

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Deployment:
    """One entry of the gate's sync history: the revision applied and when it finished."""

    revision: str
    deployed_at: datetime | None


@dataclass(frozen=True)
class Live:
    """An application's state as the gate records it, each part with its own instant.

    ``health_since`` is when the health last changed (Argo CD's
    ``status.health.lastTransitionTime``): a Degraded blip that recovered moves it to the
    recovery. ``operation_finished`` is when the last sync operation ended; ``reconciled_at``
    when the gate last compared the live state with git, i.e. how fresh the health it reports
    is; ``observed_at`` when it last updated that state without asking git (Argo CD's older
    ``status.observedAt``). Any of them is None when the gate does not say."""

    sync: str
    health: str
    health_since: datetime | None
    health_message: str
    operation: str  # the last sync operation's phase ("None": no operation on record)
    operation_message: str
    operation_finished: datetime | None
    reconciled_at: datetime | None
    history: tuple[Deployment, ...]  # oldest first, as the gate keeps it
    observed_at: datetime | None = None

    @property
    def health_read_at(self) -> datetime | None:
        """The latest instant the gate is known to have assessed the whole application's
        health: when it last reconciled or observed it. When the health last changed does not
        say how long it stayed so (and always precedes a soak's end: a change restarts the
        soak), and a sync can finish without the health being assessed again. None: the gate
        gives no such instant."""
        known = [t for t in (self.reconciled_at, self.observed_at) if t is not None]
        return max(known) if known else None

    @property
    def deployed_at(self) -> datetime | None:
        """When the current revision was last deployed: the newest history entry, else the
        last operation's end. The newest by its instant, not by its place in the list: an
        answer in another order must not start the soak earlier than it did."""
        instants = [d.deployed_at for d in self.history if d.deployed_at is not None]
        return max(instants) if instants else self.operation_finished


@runtime_checkable
class Gate(Protocol):
    """A deployment gate (``argocd.ArgoCD``): its verdict on an application, and its live state."""

    def verdict(self, name: str, wanted: Sequence[Wanted]) -> Verdict: ...

    def live(self, name: str) -> Live: ...

    def close(self) -> None: ...
