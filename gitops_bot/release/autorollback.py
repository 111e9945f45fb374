"""Automatic rollback: should the bot roll an environment back on its own, *now*? PURE.

After a release the bot made (its commit carries the release trailer), the environment's gate
may report the application Degraded, or its last sync operation Failed or Error. Once that has
lasted ``after`` (from the gate's own record: ``status.health.lastTransitionTime``, or the
operation's ``finishedAt``), the bot proposes the rollback to the release before, and the
rollback holds the images it restores with a reason naming the failure. A metrics gate of the
environment (:mod:`gitops_bot.gate.metrics`) that fails counts as Degraded does, failing since
the step after it last held (Prometheus's own record).

It never loops, and keeps no state outside git: the record is the rollback pull request (its
branch is deterministic, so a second run finds it) and, once merged, the hold on the restored
images. A held image is never rolled back again: a hold placed by an earlier automatic
rollback means this one already happened; any other hold is a human saying "leave it". A
freeze in force stops it too. Releases made by hand are not rolled back on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from gitops_bot.core.instants import format_duration, later, outside_instant
from gitops_bot.core.model import short_digest
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.gate.port import Live
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import Release
from gitops_bot.release.soak import utc

HOLD_PREFIX = "auto-rollback:"  # a hold reason the automatic rollback wrote
FAILED_PHASES = ("Failed", "Error")


@record
class Failure:
    """What the gate reports wrong with the application, and since when."""

    what: str  # "Degraded (Deployment app: progress deadline exceeded)"
    since: datetime | None


def failure(live: Live) -> Failure | None:
    """PURE: Degraded health, or a last sync operation that Failed (None: neither)."""
    if live.health == "Degraded":
        detail = f" ({live.health_message})" if live.health_message else ""
        return Failure(f"Degraded{detail}", live.health_since)
    if live.operation in FAILED_PHASES:
        detail = f" ({live.operation_message})" if live.operation_message else ""
        return Failure(f"last sync {live.operation}{detail}", live.operation_finished)
    return None


def metrics_failure(readings: tuple[Reading, ...]) -> Failure | None:
    """PURE: the first metrics gate failing now, since when it fails (None: none fails; a gate
    without data or unknown says nothing about the release, so it never rolls back)."""
    for r in readings:
        if r.outcome is GateOutcome.FAIL:
            at = f"{r.series} " if r.series else ""
            return Failure(
                f"metrics gate {r.gate} failing ({r.query}: {at}{r.value}, not {r.condition})", r.since
            )
    return None


@record
class RollbackDecision:
    """The automatic rollback's decision for one environment: roll back now (``ready``), wait
    until ``until``, or not at all (``held`` says why)."""

    environment: str
    after: timedelta
    release: str | None  # the failing release (its name)
    failure: Failure | None
    held: tuple[str, ...] = ()
    pending: bool = False  # held only by time: due at ``until`` unless the application recovers

    @property
    def until(self) -> datetime | None:
        f = self.failure
        return later(f.since, self.after) if f is not None and f.since is not None else None

    @property
    def ready(self) -> bool:
        return self.failure is not None and not self.held

    def reason(self) -> str:
        """The hold's and the PR body's reason: names the failure and its start, never "now"."""
        assert self.failure is not None
        since = f" since {utc(self.failure.since)}" if self.failure.since else ""
        return (
            f"release {self.release} {self.failure.what}{since}, "
            f"longer than auto_rollback after {format_duration(self.after)}"
        )

    def text(self) -> str:
        head = f"auto-rollback {self.environment}"
        return f"{head}: " + ("; ".join(self.held) if self.held else f"rolling back: {self.reason()}")

    def to_json(self) -> dict[str, Any]:
        f = self.failure
        return {
            "rule": "auto_rollback",
            "environment": self.environment,
            "after": format_duration(self.after),
            "release": self.release,
            "failure": f.what if f else None,
            "since": utc(f.since) if f and f.since else None,
            "until": utc(self.until) if self.until else None,
            "ready": self.ready,
            "held": list(self.held),
        }


def decide(
    environment: str,
    after: timedelta,
    *,
    latest: Entry | None,
    live: Live,
    now: datetime,
    frozen: str | None,
    metrics: tuple[Reading, ...] = (),
) -> RollbackDecision:
    """Whether the environment's latest release is to be rolled back now. ``frozen``: the
    freeze in force, as text; ``metrics``: its metrics gates read since before the release.
    Holds are judged on the rollback release (:func:`held_by`)."""
    fail = failure(live) or metrics_failure(metrics)
    name = latest.name if latest else None
    if fail is None:
        return RollbackDecision(environment, after, name, None)
    if latest is None or latest.release is None:
        why = "its last change was made by hand" if latest else "it has no release in git"
        return RollbackDecision(environment, after, name, fail, (f"{environment} is {fail.what}, but {why}",))
    released = outside_instant(latest.time, "release history")
    if fail.since is None:
        return RollbackDecision(
            environment, after, name, fail, (f"Argo CD does not say since when it is {fail.what}",)
        )
    if released is not None and fail.since < released:
        return RollbackDecision(
            environment,
            after,
            name,
            fail,
            (f"{fail.what} since {utc(fail.since)}, before release {name} ({latest.time}): not its doing",),
        )
    if frozen is not None:
        return RollbackDecision(environment, after, name, fail, (f"not rolled back: {frozen}",))
    if now < later(fail.since, after):
        return RollbackDecision(
            environment,
            after,
            name,
            fail,
            (
                f"{fail.what} since {utc(fail.since)}; "
                f"rolls back at {utc(later(fail.since, after))} unless it recovers",
            ),
            pending=True,
        )
    return RollbackDecision(environment, after, name, fail)


def held_by(rel: Release, held: Mapping[str, str]) -> str | None:
    """Why a hold stops this rollback (None: nothing held): an automatic rollback already
    restored these images, or a human holds them."""
    for c in rel.changes:
        reason = held.get(c.image)
        if reason is None:
            continue
        if reason.startswith(HOLD_PREFIX):
            return f"{c.image} is held by an earlier automatic rollback ({reason}); one per release"
        return f"{c.image} is held in {rel.environment} ({reason or 'no reason given'})"
    return None


def with_holds(rel: Release, verdict: RollbackDecision) -> Release:
    """The rollback release holding each restored image with a reason naming the bad digest
    and the failure, so ``update`` leaves it and a later run knows this rollback happened."""
    holds = []
    for c in rel.changes:
        bad = (c.from_tag or "") + (f"@{short_digest(c.from_digest)}" if c.from_digest else "")
        holds.append((c.image, Outside(f"{HOLD_PREFIX} {bad} rolled back: {verdict.reason()}")))
    return replace(rel, holds=tuple(holds))
