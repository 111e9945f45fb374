"""The ``auto_promote:`` and ``auto_rollback:`` keys of an environment: releases the bot opens
on its own, from what git and the gate record (decided by :mod:`gitops_bot.release.soak` and
:mod:`gitops_bot.release.autorollback`); the keys are declared on
:class:`AutoPromote` and :class:`AutoRollback` here, a module only a file that writes them loads::

    environments:
      - name: production
        path: overlays/production
        promote_from: staging
        auto_promote: {from: staging, after: 1h}   # staging Healthy and Synced for 1h
        auto_rollback: {after: 10m}                # Degraded (or a Failed sync) for 10m
"""

from __future__ import annotations

from datetime import timedelta

from gitops_bot.config.kinds import STR, section_of
from gitops_bot.config.spec import Values
from gitops_bot.core.instants import duration_bound_problem, parse_duration, reads_as_duration
from gitops_bot.core.record import record
from gitops_bot.core.settings import WITHIN_DURATIONS, holds, setting
from gitops_bot.policy.settings import DURATION_PATTERN


def _positive_duration(value: object) -> str | None:
    if not isinstance(value, str) or not reads_as_duration(value):
        return ""
    return None if duration_bound_problem(value) is not None or parse_duration(value) else ""


# the 'after' of an automatic rule: a duration above zero, read as 30m, 1h, 1d
_AFTER = holds(
    _positive_duration, "'after' of {what} must be a duration like 1h or 10m (more than zero), not {value!r}"
)
_AFTER_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN, "not": {"const": "0"}}


@record(kw_only=True)
class AutoPromote:
    """Promote from ``source`` once it has soaked ``after`` (:mod:`gitops_bot.release.soak`)."""

    source: str | None = setting(
        None, "The environment whose digests are promoted (its promote_from, the default).", key="from"
    )
    after: timedelta = setting(
        description="How long the source must run the same digests, Healthy and Synced: 1h, 30m, 1d.",
        rules=(_AFTER, WITHIN_DURATIONS),
        schema=_AFTER_SCHEMA,
    )
    line: int | None = setting(None, key=None)


@record
class AutoRollback:
    """Roll back a bot release whose application stays failed ``after``
    (:mod:`gitops_bot.release.autorollback`)."""

    after: timedelta = setting(
        description="How long the application may stay Degraded (or its sync Failed): 10m, 1h.",
        rules=(_AFTER, WITHIN_DURATIONS),
        schema=_AFTER_SCHEMA,
    )


def _duration(text: str) -> timedelta:
    span = parse_duration(text)
    assert span is not None  # the rule checked it
    return span


def _auto_promote(v: Values) -> AutoPromote:
    return AutoPromote(source=v["from"], after=_duration(v["after"]), line=v.line)


def _auto_rollback(v: Values) -> AutoRollback:
    return AutoRollback(_duration(v["after"]))


AUTO_PROMOTE = section_of(
    AutoPromote,
    _auto_promote,
    kinds={"after": STR},
    name="autoPromote",
    description=(
        "Open the promotion pull request on its own once the source has soaked: run the same "
        "digests for 'after', its Argo CD application Healthy and Synced all along."
    ),
)

AUTO_ROLLBACK = section_of(
    AutoRollback,
    _auto_rollback,
    kinds={"after": STR},
    name="autoRollback",
    description=(
        "Open the rollback pull request on its own when a release the bot made leaves the "
        "environment's Argo CD application Degraded, or its sync Failed, for longer than 'after'."
    ),
)
