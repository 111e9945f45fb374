"""Promotion after soak: may the target take what the source runs, *now*? PURE.

The source has soaked when it has run the same digests for ``after`` with its gate green the
whole time. The bot keeps no state of its own: the soak's start is read again on every run
from what git and the gate record, so a restarted ``watch`` (or a cron job) loses nothing.
It is the latest of:

- when the source's files last changed their image set (the release's commit, from the
  history git keeps: :mod:`gitops_bot.release.ledger`);
- when the gate last deployed (Argo CD's newest ``status.history[].deployedAt``, else the last
  operation's ``finishedAt``);
- when the gate last saw the health change (``status.health.lastTransitionTime``): a Degraded
  blip that recovered moves it to the recovery, so the clock restarts there, whether the bot
  was running during the blip or not.

Now it must also be green (the promotion gate's checks: last sync Succeeded, Synced, Healthy,
running the promoted digests), and the gate must have read the health since the soak ended
(``status.reconciledAt``, else ``status.observedAt``; without either it waits and says so), so
"Healthy" is a reading taken after the soak, not before.
An environment's metrics gates (:mod:`gitops_bot.gate.metrics`) join the soak: each is read
over the soak so far, from Prometheus's own record, and must hold at every step of it; a
failing step (or one without data) moves the soak's start past it, so a spike restarts the
soak, and a gate failing now (or without data) holds it back until it holds again.
What neither git nor the gate records (a blip shorter than Argo CD's own health checks, or one
overwritten by a later transition to Progressing) cannot be seen; a later transition still
restarts the clock, so the rule errs on waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_bot.core.instants import format_duration, later
from gitops_bot.core.outside import Code, Part, Parts
from gitops_bot.core.record import record
from gitops_bot.gate.port import Live
from gitops_bot.gate.reading import GateOutcome, Reading

PROMOTED = "Promoted automatically:"  # the automatic promotion PR's own line


def utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@record
class Soak:
    """The soak of ``source`` before it is promoted to ``target``: since when, until when, and
    what holds the promotion back now (empty: it may open)."""

    source: str
    target: str
    after: timedelta
    since: datetime | None  # None: not soaking (the gate is not green now)
    held: tuple[str, ...]
    metrics: tuple[Reading, ...] = ()  # the source's metrics gates over the soak

    @property
    def until(self) -> datetime | None:
        return later(self.since, self.after) if self.since is not None else None

    @property
    def ready(self) -> bool:
        return not self.held

    def note(self) -> Parts:
        """The PR body's line (and the commit message's): deterministic for one soak (no "now"
        in it), so a second run finds the same body. A gate's query is the configuration's text
        in any shape (PromQL over several lines is ordinary YAML) and the line lands after the
        release's hidden line, where the bot reads its records back: it is a :class:`Code` part,
        one line whatever it holds, so it forges no hidden line, mark or trailer (its name and
        condition are checked at load)."""
        assert self.since is not None
        gates: list[Part] = []
        for r in self.metrics:
            gates += [f", metrics gate {r.gate} (", Code(f"{r.query} {r.condition}"), ") holding"]
        return (
            f"{PROMOTED} {self.source} has run these digests, Healthy and Synced",
            *gates,
            f", since {utc(self.since)} (auto_promote after {format_duration(self.after)}).",
        )

    def text(self) -> str:
        head = f"auto-promote {self.source} -> {self.target}"
        return f"{head}: " + ("; ".join(self.held) if self.held else "soaked, promoting")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": "auto_promote",
            "from": self.source,
            "to": self.target,
            "after": format_duration(self.after),
            "since": utc(self.since) if self.since else None,
            "until": utc(self.until) if self.until else None,
            "ready": self.ready,
            "held": list(self.held),
        }
        if self.metrics:
            out["metrics"] = [r.to_json() for r in self.metrics]
        return out


def started(released: datetime | None, live: Live) -> datetime | None:
    """When the current soak began: the latest of the release's commit, the gate's last
    deployment and the gate's last health transition (each when known)."""
    known = [t for t in (released, live.deployed_at, live.health_since) if t is not None]
    return max(known) if known else None


def not_green(live: Live) -> list[str]:
    """PURE: why the gate's record is not green now (empty: it is). Whether the source runs the
    promoted digests is the promotion gate's own check, made when the promotion is built."""
    problems = []
    if live.operation != "Succeeded":
        detail = f": {live.operation_message}" if live.operation_message else ""
        problems.append(f"last sync operation is {live.operation}, not Succeeded{detail}")
    if live.sync != "Synced":
        problems.append(f"{live.sync}, not Synced")
    if live.health != "Healthy":
        since = f" since {utc(live.health_since)}" if live.health_since else ""
        problems.append(f"{live.health}{since}, not Healthy")
    return problems


def decide(
    source: str,
    target: str,
    after: timedelta,
    *,
    released: datetime | None,
    live: Live,
    now: datetime,
    metrics: tuple[Reading, ...] = (),
) -> Soak:
    """The soak, given when the source's files last changed (``released``), the gate's record
    (``live``), its metrics gates read over the soak so far (``metrics``: each holding since
    when) and ``now``."""
    problems = not_green(live)
    if problems:  # not green now: whatever soaked before does not count
        return Soak(
            source,
            target,
            after,
            None,
            (f"{source} is not green in Argo CD, the soak restarts once it is: " + "; ".join(problems),),
            metrics,
        )
    red = [r for r in metrics if r.outcome is not GateOutcome.PASS]
    if red:  # failing, without data or unknown now: nothing has soaked
        return Soak(
            source,
            target,
            after,
            None,
            (f"{source}'s soak restarts once it holds: " + "; ".join(r.text() for r in red),),
            metrics,
        )
    since = started(released, live)
    if since is None:
        return Soak(
            source, target, after, None, (f"neither git nor Argo CD says since when {source} runs",), metrics
        )
    # a gate holds since the step after its last failing one: a spike inside the soak restarts it
    since = max([since, *(r.since for r in metrics if r.since is not None)])
    until = later(since, after)
    if now < until:
        soaked = format_duration(max(now - since, timedelta(0)))
        gates = ", metrics gates holding" if metrics else ""
        return Soak(
            source,
            target,
            after,
            since,
            (
                f"{source} has soaked {soaked} of {format_duration(after)} "
                f"(Healthy and Synced{gates} since {utc(since)}); waits until {utc(until)}",
            ),
            metrics,
        )
    read_at = live.health_read_at
    if read_at is None:
        # Without an instant of its own reading, "Healthy" may date from before the soak ended
        # (or from before a blip inside it): promoting on it would be promoting blind.
        return Soak(
            source,
            target,
            after,
            since,
            (
                f"Argo CD gives no instant for its reading of {source} (no status.reconciledAt "
                f"or status.observedAt); waiting for a reading of its health after the soak "
                f"ended at {utc(until)}",
            ),
            metrics,
        )
    if read_at < until:
        return Soak(
            source,
            target,
            after,
            since,
            (
                f"Argo CD last read {source}'s health at {utc(read_at)}, before the soak ended at "
                f"{utc(until)}; waits for a newer reading",
            ),
            metrics,
        )
    return Soak(source, target, after, since, (), metrics)
