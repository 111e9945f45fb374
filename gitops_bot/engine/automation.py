"""What the automatic rules read and judge of an environment now: the soak deciding its
automatic promotion and the verdict of its automatic rollback. The decision's gathering
(:mod:`gitops_bot.engine.decisions`) reads them for every surface, and the automatic rules'
use case (:mod:`gitops_bot.engine.auto`, above it) acts on them: a module below both, so the
decision does not import what delivers. Both read Argo CD and the metrics through the run's
gates (:class:`~gitops_bot.engine.gates.RunGates`), so the decision and the action judge one
reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.instants import later, outside_instant
from gitops_bot.engine.app import App
from gitops_bot.engine.gates import RunGates
from gitops_bot.engine.history import deployed
from gitops_bot.gate.reading import Reading
from gitops_bot.release import autorollback, freezes, soak
from gitops_bot.release.ledger import Entry

Latest = Callable[[str], Entry | None]  # an environment's newest release in git (None: none)


def soak_of(
    app: App, gates: RunGates, env: EnvironmentConfig, latest: Latest, at: datetime | None = None
) -> soak.Soak | None:
    """The soak deciding ``env``'s automatic promotion (None: its source runs nothing it lacks).
    The source's metrics gates are read over the soak so far: since Argo CD and git say it
    began, to now. ``at``: the soak as it stands at that instant (``explain``), the source's
    health as Argo CD reads it now, taken to read the same then."""
    auto = env.auto_promote
    assert auto is not None
    source = app.config.environment(auto.source or str(env.promote_from))
    running, present = deployed(app, source.name), deployed(app, env.name)
    if all(present.get(name) == d for name, d in running.items()):
        return None  # what a merged promotion leaves: nothing to soak for
    entry = latest(source.name)
    released = outside_instant(entry.time, "release history") if entry else None
    assert source.applications is not None
    live = gates.live(source.applications)
    metrics = gates.metrics(source, soak.started(released, live))
    now = app.clock()
    if at is not None and at > now and live.health_read_at is not None:
        live = replace(live, reconciled_at=at)  # read then as it reads now
    return soak.decide(
        source.name, env.name, auto.after, released=released, live=live, now=at or now, metrics=metrics
    )


def verdict_of(
    app: App, gates: RunGates, env: EnvironmentConfig, latest: Latest, at: datetime | None = None
) -> autorollback.RollbackDecision | None:
    """The automatic rollback's verdict on ``env`` (None: its application is not failing, and
    none of its metrics gates fails), at ``at`` (None: now; the gate as it reads now)."""
    auto = env.auto_rollback
    assert auto is not None
    assert env.applications is not None
    live = gates.live(env.applications)
    degraded = autorollback.failure(live) is not None
    if not degraded and autorollback.metrics_failure(gates.metrics(env)) is None:
        return None  # healthy: nothing to say, and no history to read
    now = at or app.clock()
    entry = latest(env.name)
    metrics: tuple[Reading, ...] = ()
    if not degraded:
        # since when it fails, read from before the release: failing since before it is not its doing
        released = outside_instant(entry.time, "release history") if entry else None
        metrics = gates.metrics(env, later(released, -auto.after) if released else None)
    freeze = freezes.in_force(app.config.root, env.name, now)
    return autorollback.decide(
        env.name,
        auto.after,
        latest=entry,
        live=live,
        now=now,
        frozen=freeze.text() if freeze else None,
        metrics=metrics,
    )
