"""The ``auto_promote:`` and ``auto_rollback:`` keys of an environment: releases the bot opens
on its own, from what git and the gate record (decided by :mod:`gitops_bot.release.soak` and
:mod:`gitops_bot.release.autorollback`)::

    environments:
      - name: production
        path: overlays/production
        promote_from: staging
        auto_promote: {from: staging, after: 1h}   # staging Healthy and Synced for 1h
        auto_rollback: {after: 10m}                # Degraded (or a Failed sync) for 10m
"""

from __future__ import annotations

from gitops_bot.config.images import DURATION_PATTERN
from gitops_bot.config.kinds import STR, Scalar
from gitops_bot.config.settings import AutoPromote, AutoRollback
from gitops_bot.config.spec import Field, Rule, Section, Values
from gitops_bot.core.instants import parse_duration


def _positive(value: object) -> str | None:
    if isinstance(value, str) and (span := parse_duration(value)) is not None and span.total_seconds() > 0:
        return None
    return ""


_DURATION_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN, "not": {"const": "0"}}


def _after(what: str, example: str) -> Field:
    return Field(
        "after",
        Scalar(str),
        required=True,
        rules=(
            Rule(
                _positive,
                f"'after' of {{what}} must be a duration like {example} (more than zero), not {{value!r}}",
            ),
        ),
        description=what,
        schema=_DURATION_SCHEMA,
    )


def _auto_promote(v: Values) -> AutoPromote:
    after = parse_duration(v["after"])
    assert after is not None  # the rule checked it
    return AutoPromote(v["from"], after, v.line)


def _auto_rollback(v: Values) -> AutoRollback:
    after = parse_duration(v["after"])
    assert after is not None
    return AutoRollback(after)


AUTO_PROMOTE = Section(
    (
        Field("from", STR, description="The environment whose digests are promoted (its promote_from)."),
        _after("How long the source must run the same digests, Healthy and Synced: 1h, 30m, 1d.", "1h"),
    ),
    _auto_promote,
    name="autoPromote",
    description=(
        "Open the promotion pull request on its own once the source has soaked: run the same "
        "digests for 'after', its Argo CD application Healthy and Synced all along."
    ),
)

AUTO_ROLLBACK = Section(
    (_after("How long the application may stay Degraded (or its sync Failed) before rollback.", "10m"),),
    _auto_rollback,
    name="autoRollback",
    description=(
        "Open the rollback pull request on its own when a release the bot made leaves the "
        "environment's Argo CD application Degraded, or its sync Failed, for longer than 'after'."
    ),
)
