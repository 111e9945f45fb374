"""``gitops-bot report`` for people: each environment's four keys, what each rests on, the
failures it counted and what it could not read. The figures are the engine's
(:mod:`gitops_bot.release.dora`); this module only lays them out."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, assert_never

from gitops_bot.core.instants import format_instant
from gitops_bot.core.outside import Code, md_row
from gitops_bot.core.outside import terminal_text as _t
from gitops_bot.output.words import counted
from gitops_bot.release.dora import Cause, ChangeFailure, Durations, Report

if TYPE_CHECKING:  # a type: the report's gathering (registry, forge, git) loads only when it runs
    from gitops_bot.engine.report import Reports

CAUSES = {Cause.ROLLBACK: "rolled back", Cause.AUTO_ROLLBACK: "rolled back automatically", Cause.HOLD: "held"}


def span(d: timedelta | None) -> str:
    """A duration for people: seconds under a minute, minutes under an hour, no seconds past it."""
    if d is None:
        return "—"
    s = int(d.total_seconds())
    if s < 60:
        return f"{s}s"
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes = s // 60
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes and not days:
        parts.append(f"{minutes}m")
    return "".join(parts) or "0m"


def rate(r: Report) -> str:
    value = r.failure_rate
    return "—" if value is None else f"{value * 100:.1f}%"


def frequency(r: Report) -> str:
    return f"{r.per_day:.2f} a day, {r.per_week:.1f} a week"


def durations(d: Durations) -> str:
    return f"median {span(d.median)}, p90 {span(d.p90)}" if d.values else "—"


def rests_on(d: Durations, what: str) -> str:
    """``what``: one of what the figure counts ("image change"), said in the count's form."""
    unread = f"; {len(d.unread)} not read" if d.unread else ""
    return f"{counted(len(d.values), what)} in {counted(d.releases, 'release')}{unread}"


def report_text(found: Reports) -> str:
    days = (found.until - found.since).total_seconds() / 86400
    since, until = format_instant(found.since), format_instant(found.until)
    head = f"Delivery from {since} to {until} ({counted(days, 'day')})"
    parts = [head]
    for r in found.reports:
        parts.append("\n".join(_environment(r)))
    return "\n\n".join(parts)


def _environment(r: Report) -> list[str]:
    rows = [
        ("releases", frequency(r), counted(len(r.releases), "release")),
        ("lead time", durations(r.lead_time), rests_on(r.lead_time, "image change")),
        (
            "change failure rate",
            rate(r),
            f"{len(r.failures)} of {counted(r.changes, 'release')} "
            f"(rollbacks or holds within {span(r.span)}; rollbacks not counted)",
        ),
        ("time to restore", durations(r.restore), _restored(r)),
    ]
    width = max(len(n) for n, _, _ in rows)
    value = max(len(v) for _, v, _ in rows)
    lines = [f"{r.environment}"]
    lines += [f"  {n.ljust(width)}  {v.ljust(value)}  {why}" for n, v, why in rows]
    if r.failures:
        lines.append("  failures:")
        lines += [f"    {f.release}  {f.image}  {_failure(f)}" for f in r.failures]
    unread = [("lead time", u) for u in r.lead_time.unread] + [("history", u) for u in r.unread]
    if unread:
        lines.append("  not read:")
        lines += [f"    {what}: {u.release}  {u.image}: {_t(u.why)}" for what, u in unread]
    return lines


def report_rows(found: Reports) -> list[str]:
    """The step summary's table: one row per environment."""
    rows = [
        "| environment | releases | lead time | change failure rate | time to restore |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in found.reports:
        rows.append(
            md_row(
                Code(r.environment),
                f"{len(r.releases)} ({frequency(r)})",
                f"{durations(r.lead_time)} ({rests_on(r.lead_time, 'image change')})",
                f"{rate(r)} ({len(r.failures)} of {r.changes})",
                f"{durations(r.restore)} ({rests_on(r.restore, 'failure')})",
            )
        )
    return rows


def _failure(f: ChangeFailure) -> str:
    after = f"after {span(f.restore)}" if f.restore is not None else ""
    match f.cause:
        case Cause.ROLLBACK | Cause.AUTO_ROLLBACK:
            return f"{CAUSES[f.cause]} by {f.signal} {after}"
        case Cause.HOLD:
            restored = f"restored by {f.restored_by} {after}" if f.restored_by else "not restored yet"
            why = f" ({_t(f.hold.reason)})" if f.hold and f.hold.reason else ""
            return f"held by commit {f.signal}{why}; {restored}"
        case _ as unreachable:
            assert_never(unreachable)


def _restored(r: Report) -> str:
    d = r.restore
    left = len(d.unread)
    return f"{counted(len(d.values), 'failure')} restored" + (f"; {left} not restored yet" if left else "")
