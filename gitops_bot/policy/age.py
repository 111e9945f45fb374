"""Minimum image age (``min_age``): a candidate younger than the rule is not proposed yet; the
best candidate that is old enough is, when it is newer than what is deployed. Pure: the ages
come in through ``age_of``, asked best first and no further than needed, so the caller reads
only the creation times the decision looks at.

This is Renovate's ``minimumReleaseAge`` with ``internalChecksFilter: strict``: a too-young
newest release does not block an older release that has aged, and the held-back one is
reported as waiting, with the time it becomes eligible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from gitops_bot.core.instants import format_instant, later
from gitops_bot.core.model import AgeSource, ImageAge, Waiting

MAX_LOOKUPS = 20  # candidates whose age one image's decision may read; older ones are not looked at


@dataclass(frozen=True)
class AgeVerdict:
    """``tag``/``digest``: the candidate old enough to propose (None: keep what is deployed);
    ``waiting``: the best candidate held back, if any."""

    tag: str | None
    digest: str | None
    waiting: Waiting | None


def old_enough(
    order: Sequence[str],
    age_of: Callable[[str], ImageAge],
    min_age: timedelta,
    now: datetime,
    deployed_digest: str | None,
) -> AgeVerdict:
    """Walk ``order`` (best first, ending at the deployed tag) and stop at the first image
    created at least ``min_age`` before ``now``. An image without a creation time is held
    (safe default: its age cannot be shown). Reaching the deployed image stops the walk:
    nothing below it is newer."""
    waiting: Waiting | None = None
    for tag in order[:MAX_LOOKUPS]:
        age = age_of(tag)
        if deployed_digest is not None and age.digest == deployed_digest:
            return AgeVerdict(None, None, waiting)
        until = later(age.created, min_age) if age.created is not None else None
        if until is not None and until <= now:
            return AgeVerdict(tag, age.digest, waiting)
        if waiting is None:
            waiting = Waiting(tag, age.digest, until, min_age, decided_by=age.decided_by, ignored=age.ignored)
    return AgeVerdict(None, None, waiting)


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
    without a push time such an image has no age, and waits, rather than passing at once."""
    if pushed is not None and not (PLAUSIBLE_FROM <= pushed <= now + SKEW):
        pushed = None  # no registry or log kept this image before containers existed, or ahead of now
    created = image.created
    ignored = ""
    if created is not None and not (PLAUSIBLE_FROM <= created <= now + SKEW):
        ignored = f"the image's own creation time {format_instant(created)} is ignored (not plausible)"
        created = None
    if pushed is None:
        return replace(
            image, created=created, source=image.source if created else AgeSource.NONE, ignored=ignored
        )
    if created is not None and created > pushed:
        return replace(image, ignored=ignored)  # the image says it is younger: believed
    return replace(
        image,
        created=pushed,
        source=source,
        decided_by=clock,
        ignored=ignored,
    )
