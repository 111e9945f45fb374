"""The ``auto_promote:`` and ``auto_rollback:`` keys of an environment: releases the bot opens
on its own, from what git and the gate record (decided by :mod:`gitops_bot.release.soak` and
:mod:`gitops_bot.release.autorollback`); the keys are declared on
:class:`~gitops_bot.config.settings.AutoPromote` and :class:`~gitops_bot.config.settings.AutoRollback`::

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
from gitops_bot.config.settings import AutoPromote, AutoRollback
from gitops_bot.config.spec import Values
from gitops_bot.core.instants import parse_duration


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
