"""The four DORA keys of one environment, from its release history. PURE.

Everything is read from what git and the forge already hold (the bot keeps no state):

- **deployment frequency**: the environment's releases (:mod:`gitops_bot.release.ledger`: each
  commit on the base's first-parent line that changed what its files deploy, by the bot or by
  hand) in the period, per day and per week;
- **lead time for changes**: for each image a release changed to a new build, from the time of
  the source commit it was built from (its ``org.opencontainers.image.revision`` label, the
  commit's time as the source's forge answers it) to the time the release landed on the base
  (the merge, or the bot's commit); median and 90th percentile;
- **change failure rate**: the share of releases followed within :data:`FAILURE_SPAN` by a
  rollback (a later release that takes one of its images back to a build that image ran
  before), an automatic rollback (such a release whose commit holds the image with the
  ``auto-rollback:`` reason) or a hold placed on one of its images, before anything else
  released that image; rollbacks themselves restore and are not counted as changes;
- **time to restore**: from a failed release to the release that next changed the image it
  failed on (the rollback, or a fix forward after a hold).

Each figure says how many releases it rests on, and which it could not read with why.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from gitops_bot.core.instants import format_duration, format_instant, outside_instant
from gitops_bot.core.model import Deployed
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.release.ledger import Entry

FAILURE_SPAN = timedelta(hours=24)
"""How long after a release a rollback or a hold of one of its images counts as its failure."""
AUTO_ROLLBACK = "auto-rollback:"  # the hold reason an automatic rollback writes (release.autorollback)


class Cause(StrEnum):
    """What showed a release failed."""

    ROLLBACK = "rollback"
    AUTO_ROLLBACK = "auto_rollback"
    HOLD = "hold"


@record
class HoldPlaced:
    """A hold put on an image of the environment: by which commit, when, and why."""

    commit: str
    time: datetime
    image: str
    reason: Outside


@record
class UnreadRelease:
    """A release (and image) a figure could not read, and why in one line."""

    release: str
    image: str
    why: Outside

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "image": self.image, "why": self.why}


@record
class SourceDate:
    """The source commit an image's build came from, as its forge dated it (``time`` None:
    ``why`` says what could not be read)."""

    time: datetime | None
    why: str = ""


@record
class ChangeFailure:
    release: str
    time: datetime
    cause: Cause
    signal: str  # the rollback's release, or the hold's commit
    image: str
    restored: datetime | None  # when the next release of that image landed (None: not yet)
    restored_by: str | None = None
    hold: HoldPlaced | None = None  # the hold that showed it (cause HOLD)

    @property
    def restore(self) -> timedelta | None:
        return None if self.restored is None else self.restored - self.time

    def to_json(self) -> dict[str, Any]:
        restore = self.restore
        return {
            "release": self.release,
            "time": format_instant(self.time),
            "cause": str(self.cause),
            "signal": self.signal,
            "image": self.image,
            "restored": format_instant(self.restored) if self.restored else None,
            "restored_by": self.restored_by,
            "time_to_restore": format_duration(restore) if restore is not None else None,
            "reason": self.hold.reason if self.hold else None,
        }


@record
class Durations:
    """A figure made of durations: how many it rests on, their median and 90th percentile."""

    values: tuple[timedelta, ...]
    releases: int  # the releases the values come from
    unread: tuple[UnreadRelease, ...] = ()

    @property
    def median(self) -> timedelta | None:
        if not self.values:
            return None
        return timedelta(seconds=statistics.median(v.total_seconds() for v in self.values))

    @property
    def p90(self) -> timedelta | None:
        """The 90th percentile, by nearest rank (a value that occurred)."""
        if not self.values:
            return None
        ordered = sorted(self.values)
        return ordered[math.ceil(0.9 * len(ordered)) - 1]

    def to_json(self) -> dict[str, Any]:
        median, p90 = self.median, self.p90
        return {
            "median": format_duration(median) if median is not None else None,
            "p90": format_duration(p90) if p90 is not None else None,
            "median_seconds": round(median.total_seconds()) if median is not None else None,
            "p90_seconds": round(p90.total_seconds()) if p90 is not None else None,
            "count": len(self.values),
            "releases": self.releases,
            "unread": [u.to_json() for u in self.unread],
        }


@record
class Report:
    """One environment's four keys over ``since`` .. ``until``."""

    environment: str
    since: datetime
    until: datetime
    releases: tuple[Entry, ...]  # in the period, newest first
    restores: frozenset[str]  # the commits of those releases that restored an earlier build
    lead_time: Durations
    failures: tuple[ChangeFailure, ...]
    changes: int  # the releases the failure rate rests on (every release but the restores)
    unread: tuple[UnreadRelease, ...] = ()  # what the history itself could not give (a holds file)
    span: timedelta = FAILURE_SPAN

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds(), 1.0) / 86400

    @property
    def per_day(self) -> float:
        return len(self.releases) / self.days

    @property
    def per_week(self) -> float:
        return len(self.releases) / self.days * 7

    @property
    def failure_rate(self) -> float | None:
        return len(self.failures) / self.changes if self.changes else None

    @property
    def restore(self) -> Durations:
        done = [f for f in self.failures if f.restore is not None]
        return Durations(
            tuple(f.restore for f in done if f.restore is not None),
            len(done),
            tuple(
                UnreadRelease(f.release, f.image, Outside("not restored yet"))
                for f in self.failures
                if f.restored is None
            ),
        )

    def to_json(self) -> dict[str, Any]:
        rate = self.failure_rate
        return {
            "environment": self.environment,
            "since": format_instant(self.since),
            "until": format_instant(self.until),
            "deployment_frequency": {
                "releases": len(self.releases),
                "per_day": round(self.per_day, 3),
                "per_week": round(self.per_week, 3),
                "days": round(self.days, 3),
            },
            "lead_time": self.lead_time.to_json(),
            "change_failure_rate": {
                "rate": round(rate, 4) if rate is not None else None,
                "failed": len(self.failures),
                "releases": self.changes,
                "span": format_duration(self.span),
                "failures": [f.to_json() for f in self.failures],
                "unread": [u.to_json() for u in self.unread],
            },
            "time_to_restore": self.restore.to_json(),
        }


Key = tuple[str, str]  # (commit, image)


def report(
    environment: str,
    entries: Sequence[Entry],
    holds: Sequence[HoldPlaced],
    sources: Mapping[Key, SourceDate],
    *,
    since: datetime,
    until: datetime,
    span: timedelta = FAILURE_SPAN,
    unread: Sequence[UnreadRelease] = (),
) -> Report:
    """The environment's keys. ``entries``: its history newest first, reaching back before
    ``since`` (what ran before a release is the release before it); ``holds``: the holds placed
    on it; ``sources``: the source commit of each (commit, image) :func:`wanted` names."""
    line = _Line(entries)
    automatic = {h.commit for h in holds if h.reason.startswith(AUTO_ROLLBACK)}
    placed = sorted((h for h in holds if h.commit not in line.restores), key=lambda h: (h.time, h.image))
    in_period = [i for i, (_, t) in enumerate(line.dated) if since <= t <= until]
    changes = [i for i in in_period if line.dated[i][0].commit not in line.restores]
    failures = [f for i in changes if (f := line.failure(i, automatic, placed, span)) is not None]
    return Report(
        environment,
        since,
        until,
        tuple(line.dated[i][0] for i in reversed(in_period)),
        frozenset(line.dated[i][0].commit for i in in_period) & line.restores,
        _lead_time([line.dated[i] for i in changes], sources),
        tuple(reversed(failures)),
        len(changes),
        tuple(unread),
        span,
    )


def wanted(
    entries: Sequence[Entry], since: datetime, until: datetime
) -> dict[Key, tuple[Deployed, Deployed | None]]:
    """The (commit, image) whose source commit the lead time needs: each image a release in the
    period (not a restore) changed to a new build, with the build it replaced (None: the image
    was new there)."""
    line = _Line(entries)
    out: dict[Key, tuple[Deployed, Deployed | None]] = {}
    for i, (e, t) in enumerate(line.dated):
        if not since <= t <= until or e.commit in line.restores:
            continue
        before = line.dated[i - 1][0].images if i > 0 else {}
        for name in e.changed:
            new = e.images.get(name)
            if new is not None:
                out[(e.commit, name)] = (new, before.get(name))
    return out


Build = tuple[str | None, str | None]


def _build(d: Deployed | None) -> Build | None:
    """What names a build: its digest when pinned, else its tag."""
    return None if d is None else (None, d.digest) if d.digest else (d.tag, None)


class _Line:
    """The releases oldest first (as they landed on the base's first-parent line), with their
    times, and which of them restored an earlier build."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.dated: list[tuple[Entry, datetime]] = []
        for e in reversed(entries):
            t = outside_instant(e.landed or e.time, "release history")
            if t is not None:  # git wrote it: unreadable only in a forged history
                self.dated.append((e, t))
        self.restores = self._restores()
        # each image's releases, in order: the next one after a release is a bisect away (a
        # scan of the releases after each was a tenth of a year's report)
        self._changing: dict[str, list[int]] = {}
        for i, (e, _) in enumerate(self.dated):
            for image in e.changed:
                self._changing.setdefault(image, []).append(i)

    def _restores(self) -> frozenset[str]:
        """The commits that took every image they changed back to a build first deployed before
        the one they replaced (a rollback, by the bot or by a person's revert); a build released
        again after a rollback is a release, not a restore."""
        first: dict[str, dict[Build, int]] = {}
        before: dict[str, Deployed] = {}
        out = set()
        for i, (e, _) in enumerate(self.dated):
            back = 0
            for n in e.changed:
                new, old = _build(e.images.get(n)), _build(before.get(n))
                seen = first.setdefault(n, {})
                if (
                    new is not None
                    and old is not None
                    and new in seen
                    and old in seen
                    and seen[new] < seen[old]
                ):
                    back += 1
                if new is not None:
                    seen.setdefault(new, i)
            if e.changed and back == len(e.changed):
                out.add(e.commit)
            before = e.images
        return frozenset(out)

    def failure(
        self, i: int, automatic: set[str], holds: Sequence[HoldPlaced], span: timedelta
    ) -> ChangeFailure | None:
        """The first sign, within ``span`` of release ``i``, that it failed: the next release of
        one of its images being a restore, or a hold on one of them before that next release."""
        e, t = self.dated[i]
        signs: list[tuple[datetime, ChangeFailure]] = []
        for image in e.changed:
            changing = self._changing.get(image, [])
            at = bisect.bisect_right(changing, i)
            j = changing[at] if at < len(changing) else None
            nxt, tn = self.dated[j] if j is not None else (None, None)
            by = nxt.name if nxt is not None else None
            if nxt is not None and tn is not None and nxt.commit in self.restores and tn - t <= span:
                cause = Cause.AUTO_ROLLBACK if nxt.commit in automatic else Cause.ROLLBACK
                signs.append((tn, ChangeFailure(e.name, t, cause, nxt.name, image, tn, by)))
                continue
            hold = next(
                (
                    h
                    for h in holds
                    if h.image == image and t <= h.time <= t + span and (tn is None or h.time <= tn)
                ),
                None,
            )
            if hold is not None:
                failure = ChangeFailure(e.name, t, Cause.HOLD, hold.commit[:12], image, tn, by, hold)
                signs.append((hold.time, failure))
        return min(signs, key=lambda s: (s[0], s[1].image))[1] if signs else None


def _lead_time(changes: Sequence[tuple[Entry, datetime]], sources: Mapping[Key, SourceDate]) -> Durations:
    values: list[timedelta] = []
    unread: list[UnreadRelease] = []
    releases: set[str] = set()
    for e, t in changes:
        for image in e.changed:
            src = sources.get((e.commit, image))
            if src is None:
                continue  # not a new build (a chart, an image taken out)
            if src.time is None:
                unread.append(UnreadRelease(e.name, image, Outside(src.why)))
                continue
            values.append(max(t - src.time, timedelta(0)))
            releases.add(e.commit)
    return Durations(tuple(values), len(releases), tuple(unread))


def hold_changes(
    before: Mapping[str, Mapping[str, str]], after: Mapping[str, Mapping[str, str]], environment: str
) -> list[tuple[str, str]]:
    """The holds a change of the holds file placed on ``environment`` (image, reason): new, or
    held again for another reason."""
    old, new = before.get(environment, {}), after.get(environment, {})
    return [(image, reason) for image, reason in sorted(new.items()) if old.get(image) != reason]
