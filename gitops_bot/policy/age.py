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
from dataclasses import dataclass
from datetime import datetime, timedelta

from gitops_bot.core.instants import later
from gitops_bot.core.model import ImageAge, Waiting

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
            waiting = Waiting(tag, age.digest, until, min_age)
    return AgeVerdict(None, None, waiting)
