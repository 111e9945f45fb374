"""Deployment windows and freezes: may a release land in an environment *now*? Decisions
only, no I/O: the instant comes from the caller (the run's ``App.clock``, the one clock of
:mod:`gitops_bot.core.instants`).

A window is a set of weekly periods read on the environment's wall clock (an IANA time zone):
each period is some weekdays and a ``from``-``to`` time of day (``to`` after ``from``; ``24:00``
is the end of the day). If any ``allow`` period is configured, releases land only inside one;
a ``deny`` period always wins over ``allow``.

Time is read on the wall clock, so daylight saving time needs no special case: an instant is
turned into its local time (always defined) and tested. At a spring-forward gap the wall clock
jumps (02:00 -> 03:00 in Europe/Paris): a boundary inside the gap takes effect at the first wall
time after it. At an autumn fold the repeated hour is read twice, and a period covering it
covers both. "Until" is the first minute at which the decision changes, at most a week ahead.

A freeze is one environment's "no releases until <instant>, because <reason>", kept in
``gitops-bot.freezes.yaml`` (:mod:`gitops_bot.release.freezes`); an expired one is ignored.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, cast

from gitops_bot.core.instants import format_instant, later, parse_instant, parse_span
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record

if TYPE_CHECKING:
    from gitops_bot.config.windows import WindowPeriod, WindowsConfig


# Imported by name where a time zone is read: only windows name one, and a plan of
# environments without them loads neither zoneinfo nor the section reading them.
ZONEINFO = "zoneinfo"
SECTION = "gitops_bot.config.windows"


def _zone(name: str) -> tzinfo:
    return cast(tzinfo, importlib.import_module(ZONEINFO).ZoneInfo(name))


_HORIZON = timedelta(days=8)  # a weekly schedule repeats: past a week, it never opens


def covers(p: WindowPeriod, local: datetime) -> bool:
    m = local.hour * 60 + local.minute
    return local.weekday() in p.days and p.start <= m < p.end


def period_text(p: WindowPeriod) -> str:
    names: tuple[str, ...] = importlib.import_module(SECTION).DAYS  # loaded: it read the period
    days = ",".join(names[d] for d in sorted(p.days))
    return f"{days} {_hhmm(p.start)}-{_hhmm(p.end)}"


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def rule_at(w: WindowsConfig, when: datetime) -> str | None:
    """Why a release may not land at ``when`` ("deny window fri 16:00-24:00 Europe/Paris"),
    or None when it may."""
    return _rule(w, when.astimezone(_zone(w.timezone)))


def _rule(w: WindowsConfig, local: datetime) -> str | None:
    for p in w.deny:
        if covers(p, local):
            return f"deny window {period_text(p)} {w.timezone}"
    if w.allow and not any(covers(p, local) for p in w.allow):
        allowed = "; ".join(period_text(p) for p in w.allow)
        return f"outside allow window {allowed} {w.timezone}"
    return None


def _open(w: WindowsConfig, local: datetime) -> bool:
    """:func:`_rule` is None, without making its text (the scan asks this ~10,000 times)."""
    if any(covers(p, local) for p in w.deny):
        return False
    return not w.allow or any(covers(p, local) for p in w.allow)


@record
class Deferral:
    """Why a release waits, and until when (None: the schedule never opens)."""

    rule: str
    until: datetime | None
    timezone: str = "UTC"

    def text(self) -> str:
        return f"{self.rule} until {self.until_text()}"

    def until_text(self) -> str:
        if self.until is None:
            return "never (no open time in the schedule)"
        local = self.until.astimezone(_zone(self.timezone))
        return local.strftime("%a %Y-%m-%d %H:%M ") + self.timezone

    def as_json(self) -> dict[str, str | None]:
        until = self.until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.until else None
        return {"rule": self.rule, "until": until}


def deferral(windows: WindowsConfig | None, now: datetime) -> Deferral | None:
    """None when a release may land at ``now``; else the rule that stops it and the first
    minute it may land (:func:`_first`)."""
    if windows is None:
        return None
    rule = rule_at(windows, now)
    if rule is None:
        return None
    return Deferral(rule, _first(windows, now, True), windows.timezone)


def closes(windows: WindowsConfig, now: datetime) -> datetime | None:
    """The first minute after ``now`` at which the schedule, open at ``now``, holds releases
    back (None: closed at ``now``, or open for the next week): when ``explain``'s decision
    may change from landing to waiting. Found as :func:`deferral` finds its minute."""
    if rule_at(windows, now) is not None:
        return None
    return _first(windows, now, False)


def _first(windows: WindowsConfig, now: datetime, opened: bool) -> datetime | None:
    """The first whole UTC minute after ``now``, within the horizon, at which the schedule is
    open (``opened``) or closed: every wall-clock minute boundary is a UTC one, whatever the
    offset. Read minute by minute, but the answer can only change where a period starts or
    ends or a day does (on the wall clock), or where the zone's offset changes; between those
    it steps straight to the next, and where the offset differs at the far end (a daylight
    saving change in between) it goes a minute at a time as before, so a boundary in a
    spring-forward gap still takes effect at the first wall time after it. A week of minutes
    read one by one was ~10,000 time-zone conversions a never-opening schedule."""
    tz = _zone(windows.timezone)
    edges = sorted({m for p in (*windows.deny, *windows.allow) for m in (p.start, p.end)} | {24 * 60})
    step = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = now + _HORIZON
    while step < end:
        local = step.astimezone(tz)
        if _open(windows, local) is opened:
            return step
        m = local.hour * 60 + local.minute
        ahead = next(e for e in edges if e > m) - m
        if ahead > 1 and (step + timedelta(minutes=ahead)).astimezone(tz).utcoffset() != local.utcoffset():
            ahead = 1
        step += timedelta(minutes=ahead)
    return None


DEFERRED_MARK = "auto-merge deferred:"  # in a PR body: the next run in the window requests it


def deferral_note(d: Deferral) -> str:
    """The PR body's line, e.g. "auto-merge deferred: deny window fri 16:00-24:00 Europe/Paris
    until Mon 2026-11-23 00:00 Europe/Paris"."""
    return f"{DEFERRED_MARK} {d.text()}"


# The environment of the freeze on every environment (``freeze --all``, "stop the line"): no
# environment can be named so (a name starts with a letter or digit), so its file and branch
# (``gitops-bot.freezes/_all.yaml``, ``<prefix>/freeze/_all``) never meet an environment's
EVERYWHERE = "_all"
EVERYWHERE_SHOWN = "all environments"


@record
class Freeze:
    """No releases into ``environment`` (:data:`EVERYWHERE`: into any) until ``until``,
    because ``reason``."""

    environment: str
    until: datetime
    reason: Outside  # what a person typed (freeze --reason), or the freezes file says

    @property
    def everywhere(self) -> bool:
        """The line is stopped: this one freeze holds every environment, those added later too."""
        return self.environment == EVERYWHERE

    def active(self, now: datetime) -> bool:
        return now < self.until

    def text(self) -> str:
        until = self.until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        frozen = (
            f"{EVERYWHERE_SHOWN} are frozen (stop the line)"
            if self.everywhere
            else f"{self.environment} is frozen"
        )
        return f"{frozen} until {until}: {self.reason or 'no reason given'}"

    def evidence(self) -> dict[str, str]:
        """What the decision's JSON says of it; ``scope`` only for the stopped line (an
        environment's own freeze reads as it always has)."""
        scope = {"scope": EVERYWHERE_SHOWN} if self.everywhere else {}
        return {"reason": self.reason or "", "until": format_instant(self.until), **scope}


def active_freeze(freezes: Sequence[Freeze], environment: str, now: datetime) -> Freeze | None:
    """The freeze in force on ``environment`` at ``now`` (expired ones are ignored): its own, or
    the stopped line's. With both in force, the one that ends later is what holds it (so its
    "until" is when releases resume); the stopped line on a tie, so every environment reads
    the one state."""
    found = [f for f in freezes if (f.environment == environment or f.everywhere) and f.active(now)]
    return max(found, key=lambda f: (f.until, f.everywhere), default=None)


def parse_until(text: str, now: datetime) -> datetime | None:
    """``--until``: an RFC 3339 instant (no offset: UTC) or a duration from ``now`` (``90m``,
    ``12h``, ``3d``, ``1w``, or several: ``1d12h``); None when neither, :class:`OutOfBounds`
    when either lies outside the bounds of :mod:`gitops_bot.core.instants`."""
    span = parse_span(text)
    return later(now, span) if span is not None else parse_instant(text)
