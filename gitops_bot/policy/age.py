"""Minimum image age (``min_age``): a candidate younger than the rule is not proposed yet; the
best candidate that is old enough is, when it is newer than what is deployed. Pure: the ages
come in through ``age_of``, asked best first and no further than needed, so the caller reads
only the creation times the decision looks at.

This is Renovate's ``minimumReleaseAge`` with ``internalChecksFilter: strict``: a too-young
newest release does not block an older release that has aged, and the held-back one is
reported as waiting, with the time it becomes eligible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gitops_bot.core.instants import format_instant, later
from gitops_bot.core.model import AgeSource, ImageAge, Waiting
from gitops_bot.core.record import record

MAX_LOOKUPS = 20  # candidates whose age one image's decision may read; older ones are not looked at


@record
class AgeVerdict:
    """``tag``/``digest``: the candidate to propose (None: keep what is deployed); ``waiting``:
    the best candidate held back, if any — or, aged by the forge's clock, the one proposed now
    whose merge waits (``waiting.proposed``); ``sightings``: (digest, first seen) of every
    candidate the forge's clock aged, for the pull request to record."""

    tag: str | None
    digest: str | None
    waiting: Waiting | None
    sightings: tuple[tuple[str, datetime], ...] = ()
    newer: Waiting | None = None  # a better candidate still waiting beside a proposed ``waiting``


@record
class Unread:
    """The forge was asked for what a pull request records and could not be read: ``why``."""

    why: str


# The clocks the publisher cannot set: an image aged by one of them needs no other
PUBLISHER_FREE = (AgeSource.REGISTRY, AgeSource.TRANSPARENCY_LOG)


@record
class ForgeClock:
    """When the bot first saw each digest, as the environment's open pull request records it
    (``seen``; a digest it does not record is seen now). ``read``: False where the forge was
    not asked (``plan`` asks none), so "seen now" is a lower bound and said so."""

    seen: Mapping[str, datetime]
    read: bool = True
    # whether a publisher-free clock may age some candidate (a push-time API, a keyless policy):
    # without one, once no recorded sighting is left below, nothing further down comes of age
    # sooner than the first image seen now, and the walk stops there
    vetting: bool = True
    # the forge was asked and could not be read, and why: what the pull request records is
    # unknown (not "seen now"), so no image it would age is decided on
    unread: str = ""


def old_enough(
    order: Sequence[str],
    age_of: Callable[[str], ImageAge],
    min_age: timedelta,
    now: datetime,
    deployed_digest: str | None,
    forge: ForgeClock | None = None,
    deployed_tag: str | None = None,
) -> AgeVerdict:
    """Walk ``order`` (best first, ending at the deployed tag) and stop at the first image
    old enough: ``min_age`` before ``now``. An image without a creation time is held
    (safe default: its age cannot be shown). Reaching the deployed image stops the walk:
    nothing below it is newer.

    With ``forge`` (the environment delivers by pull request), an image no publisher-free clock
    ages (no registry push time, no transparency log) is aged from when the bot first saw it,
    which its pull request records; its own creation time only makes it younger. When none is
    old enough, the one that will be first is proposed at once and its merge waits."""
    waiting: Waiting | None = None
    sightings: list[tuple[str, datetime]] = []
    soonest: Waiting | None = None  # the first to come of age (best first among equals)
    for tag in order[:MAX_LOOKUPS]:
        age = age_of(tag)
        if deployed_digest is not None and age.digest == deployed_digest:
            break
        if forge is not None and deployed_digest is None and tag == deployed_tag:
            # what runs already (by tag): pinning it to its digest needs no age; a newer image
            # the forge's clock ages is proposed instead, so its pull request starts that clock
            if soonest is None or soonest.seen is None:
                return AgeVerdict(tag, age.digest, waiting, tuple(sightings))
            break
        unread = _unread(age, min_age, now, forge)
        if unread:  # neither old enough nor too young: said so, and nothing further down is asked
            blind = Waiting(
                tag, age.digest, None, min_age, decided_by=age.decided_by, ignored=age.ignored, unread=unread
            )
            return AgeVerdict(None, None, blind, tuple(sightings))
        held = _forge_aged(tag, age, min_age, now, forge) if forge is not None else None
        if held is not None:
            sightings.append((age.digest, held.seen or now))
        until = held.until if held is not None else later(age.created, min_age) if age.created else None
        if until is not None and until <= now:
            return AgeVerdict(tag, age.digest, waiting, tuple(sightings))
        candidate = held or Waiting(
            tag, age.digest, until, min_age, decided_by=age.decided_by, ignored=age.ignored
        )
        waiting = waiting or candidate
        if until is not None and (soonest is None or soonest.until is None or until < soonest.until):
            soonest = candidate
        if held is not None and forge is not None and _last_to_ask(forge, age.digest, sightings):
            break
    if soonest is not None and soonest.seen is not None:
        # aged by the forge's clock and the first to come of age: its pull request opens now
        newer = waiting if waiting is not None and waiting.tag != soonest.tag else None
        proposed = replace(soonest, proposed=True)
        return AgeVerdict(soonest.tag, soonest.digest, proposed, tuple(sightings), newer)
    return AgeVerdict(None, None, waiting, tuple(sightings))


def _unread(age: ImageAge, min_age: timedelta, now: datetime, forge: ForgeClock | None) -> str:
    """Why the clock that would age ``age`` could not be read ("": it was read, or no unread
    one is needed). Deciding past it would let another clock decide in its place: the image's
    own time (which its publisher sets), an older candidate, or "seen now" for a sighting the
    pull request may record earlier. By commit, an image its own time shows too young waits
    whatever the unread clock says (that time only ever makes it younger)."""
    if age.vetted or age.source in PUBLISHER_FREE:
        return ""
    if forge is None and age.created is not None and later(age.created, min_age) > now:
        return ""
    if age.unread:
        return f"push time could not be read: {age.unread}"
    if forge is not None and forge.unread:
        return f"first sighting, which its pull request records, could not be read: {forge.unread}"
    return ""


def _last_to_ask(forge: ForgeClock, digest: str, sightings: list[tuple[str, datetime]]) -> bool:
    """Seen now, with no publisher-free clock for the rest and no recorded sighting left below:
    nothing further down can come of age sooner than this image."""
    if forge.vetting or digest in forge.seen:
        return False
    return not (forge.seen.keys() - {d for d, _ in sightings})


def _forge_aged(
    tag: str, age: ImageAge, min_age: timedelta, now: datetime, forge: ForgeClock
) -> Waiting | None:
    """The image as the forge's clock ages it (None: a publisher-free clock ages it already)."""
    if age.vetted or age.source in PUBLISHER_FREE:
        return None
    recorded = forge.seen.get(age.digest)
    seen = recorded if recorded is not None else now  # one ahead of now only makes it younger
    start = max(seen, age.created) if age.created is not None else seen  # created only makes younger
    # the same words whether this run saw it first or read it back: the PR body is stable
    if forge.read:
        clock = f"first seen by the bot {format_instant(seen)}, which its pull request records"
    else:
        clock = "first seen by the bot, which its pull request records (not read here: now at the earliest)"
    return Waiting(
        tag, age.digest, later(start, min_age), min_age, decided_by=clock, ignored=age.ignored, seen=seen
    )


# Before Docker's first release no container image was built: a creation time earlier is a
# reproducible build's fixed date (ko and rules_oci write the Unix epoch, Nix 1970-01-01T00:00:01Z,
# some tools 1980-01-01, the zip epoch), not when the image was made.
PLAUSIBLE_FROM = datetime(2013, 3, 13, tzinfo=UTC)
SKEW = timedelta(minutes=10)  # a builder's clock ahead of ours by this much is not a lie


def trusted(
    image: ImageAge,
    pushed: datetime | None,
    clock: str,
    now: datetime,
    source: AgeSource = AgeSource.REGISTRY,
) -> ImageAge:
    """PURE: the age ``min_age`` may trust. The registry's own push time where it has one
    or the transparency log's (``pushed``, read from the clock ``clock`` names, such as
    "GitHub Packages push time" or "Rekor integrated time": the publisher cannot set it); the
    image's creation time only ever makes it younger, never older.
    A creation time before container images existed or in the future is set aside, and said so:
    without a push time such an image has no age, and waits, rather than passing at once. A push
    time so implausible is set aside the same way, and the image waits: it is never aged by its
    own creation time instead."""
    created = image.created
    ignored = ""
    if created is not None and not (PLAUSIBLE_FROM <= created <= now + SKEW):
        ignored = f"the image's own creation time {format_instant(created)} is ignored (not plausible)"
        created = None
    if pushed is not None and not (PLAUSIBLE_FROM <= pushed <= now + SKEW):
        # A clock the publisher cannot set said something impossible (before containers
        # existed, ahead of ours beyond the skew): the image waits as with no time at all. The
        # decision never goes back to the image's own word, which the publisher sets.
        said = f"the {clock} {format_instant(pushed)} is ignored (not plausible)"
        return replace(
            image,
            created=None,
            source=AgeSource.NONE,
            decided_by="",
            ignored="; ".join(x for x in (said, ignored) if x),
        )
    if pushed is None:
        return replace(
            image, created=created, source=image.source if created else AgeSource.NONE, ignored=ignored
        )
    if created is not None and created > pushed:
        return replace(image, ignored=ignored, vetted=True)  # the image says it is younger: believed
    return replace(
        image,
        created=pushed,
        source=source,
        decided_by=clock,
        ignored=ignored,
        vetted=True,
    )
