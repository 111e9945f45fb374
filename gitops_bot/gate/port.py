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

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record

# what the configuration names a gate by (gate.settings, which every command reads), the port's too
from gitops_bot.gate.settings import SELECTED as SELECTED
from gitops_bot.gate.settings import Applications as Applications

if TYPE_CHECKING:
    from gitops_bot.core.checks import CommitChecks
    from gitops_bot.gate.checks import ChecksGate
    from gitops_bot.gate.conditions import MetricsGate, WebGate
    from gitops_bot.gate.reading import Reading
    from gitops_bot.gate.settings import ArgoCDConfig, MetricsConfig


@record
class Wanted:
    """An image the promotion carries: where it is pulled from, its tag and digest."""

    image: str
    repository: str
    tag: str | None
    digest: str | None


@record
class State:
    """What the gate reports of an application: sync, health and its last operation's phase."""

    sync: str
    health: str
    operation: str


@record
class Evidence:
    """What a verdict was reached on: the application's state and the images it runs."""

    state: State
    images: tuple[WrittenRef, ...]


@record
class Verdict:
    """A gate's decision on one application (or several: ``parts``, each application's own
    verdict) and the images wanted there.

    ``rule`` says what must hold for the gate to open; ``reasons`` what does not (empty when
    open); ``since`` when the application reached the state judged, as the gate records it
    (None when it does not say)."""

    open: bool
    rule: str
    reasons: tuple[str, ...]
    evidence: Evidence
    since: datetime | None
    parts: tuple[tuple[str, Verdict], ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@record
class Deployment:
    """One entry of the gate's sync history: the revision applied and when it finished."""

    revision: str
    deployed_at: datetime | None


@record
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


# Health, best first: Argo CD's own order (its health.IsWorse) except that Degraded ranks
# worst, so one member Argo CD cannot assess never hides another that is failing from the
# automatic rollback. A set of applications is as healthy as its worst member; a status
# Argo CD does not document ranks as Unknown.
HEALTH_ORDER = ("Healthy", "Suspended", "Progressing", "Missing", "Unknown", "Degraded")
_FAILED_OPERATIONS = ("Failed", "Error")


def _worse_health(a: str, b: str) -> str:
    rank = {h: n for n, h in enumerate(HEALTH_ORDER)}
    unknown = rank["Unknown"]
    return a if rank.get(a, unknown) >= rank.get(b, unknown) else b


def combined_live(parts: Sequence[tuple[str, Live]]) -> Live:
    """PURE: several applications read as one, the way soak and rollback judge an environment:
    as healthy as its worst member, Synced only when all are, its last operation the worst.

    The instants say since when the *combined* state holds: since the last of the members at
    the worst health reached it (all Healthy since the last became so; failing since the last
    member still failing failed, so a cluster broken before a release does not make another
    cluster that release broke look "not its doing"). The health is as fresh as the stalest
    reading, and the environment last deployed when its newest member did (the soak starts
    there)."""
    assert parts, "a set of applications has at least one member"
    lives = [live for _, live in parts]
    health = lives[0].health
    for live in lives[1:]:
        health = _worse_health(health, live.health)
    at_worst = [live for live in lives if live.health == health]
    transitions = [t for live in at_worst if (t := live.health_since) is not None]
    since = max(transitions) if transitions and len(transitions) == len(at_worst) else None
    unsynced = [live.sync for live in lives if live.sync != "Synced"]
    failed = [live for live in lives if live.operation in _FAILED_OPERATIONS]
    pending = [live for live in lives if live.operation != "Succeeded"]
    operation = (failed or pending or lives)[0]
    # failed since the first failure ended; else done when the last operation ended
    finished = [t for live in (failed or lives) if (t := live.operation_finished) is not None]
    complete = len(finished) == len(failed or lives)
    messages = [
        f"{name}: {live.health_message}"
        for name, live in parts
        if live.health == health and live.health_message
    ]
    return Live(
        sync=unsynced[0] if unsynced else "Synced",
        health=health,
        health_since=since,
        health_message="; ".join(messages),
        operation=operation.operation,
        operation_message=operation.operation_message,
        operation_finished=((min if failed else max)(finished) if complete and finished else None),
        reconciled_at=_stalest([live.health_read_at for live in lives]),
        history=tuple(sorted((d for live in lives for d in live.history), key=_deployed_key)),
        observed_at=None,
    )


def _stalest(instants: Sequence[datetime | None]) -> datetime | None:
    return None if any(t is None for t in instants) else min(t for t in instants if t is not None)


def _deployed_key(d: Deployment) -> float:
    return d.deployed_at.timestamp() if d.deployed_at is not None else float("-inf")


@runtime_checkable
class Gate(Protocol):
    """A deployment gate (``argocd.ArgoCD``): its verdict on an application (or a set of them),
    and its live state."""

    def verdict(self, name: str | Applications, wanted: Sequence[Wanted]) -> Verdict: ...

    def live(self, name: str | Applications) -> Live: ...

    def close(self) -> None: ...


@runtime_checkable
class MetricsServer(Protocol):
    """A metrics server's client (``metrics.Prometheus``): a gate's reading at an instant, over
    a window when asked."""

    def reading(self, gate: MetricsGate, at: datetime, since: datetime | None = None) -> Reading: ...

    def close(self) -> None: ...


# What each gate module offers the run that owns the gates (gitops_bot.engine.gates), which
# imports a module by name only when a gate of its kind is asked: each module is typed by its
# protocol here, so every call through the run is checked as a plain import's would be.


@runtime_checkable
class ArgoCDModule(Protocol):
    """:mod:`gitops_bot.gate.argocd`: its client, and its verdict as a reading."""

    @property
    def ArgoCD(self) -> Callable[[ArgoCDConfig, Mapping[str, str]], Gate]: ...  # the module's class

    def reading(self, applications: str | Applications, verdict: Verdict, at: datetime) -> Reading: ...

    def unread(self, applications: str | Applications, why: str, at: datetime) -> Reading: ...


@runtime_checkable
class MetricsModule(Protocol):
    """:mod:`gitops_bot.gate.metrics`: the server's client, and a gate it cannot read."""

    @property
    def Prometheus(self) -> Callable[[MetricsConfig, Mapping[str, str], object], MetricsServer]: ...

    def unread(self, gate: MetricsGate, at: datetime, why: str) -> Reading: ...


@runtime_checkable
class ChecksModule(Protocol):
    """:mod:`gitops_bot.gate.checks`: the forge's checks on a release's commit, read."""

    def read(
        self,
        gate: ChecksGate,
        environment: str,
        commit: str | None,
        port: Callable[[], CommitChecks | None],
        now: datetime,
    ) -> Reading: ...


@runtime_checkable
class WebModule(Protocol):
    """:mod:`gitops_bot.gate.web`: an endpoint asked now."""

    def read(self, gate: WebGate, environ: Mapping[str, str], at: datetime) -> Reading: ...
