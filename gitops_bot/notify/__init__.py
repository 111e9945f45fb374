"""Notifications out: tell people what a run did (Slack, Teams, a signed JSON webhook).

:func:`report_outcomes` and :func:`report_failure` are the one hook: the write-back layer
calls them for every release command, so the CLI, the Action and ``watch`` notify alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitops_bot.notify.message import Notice, OutcomeLike, from_error, from_outcomes
from gitops_bot.notify.send import Notifier
from gitops_bot.notify.settings import EVENTS, TYPES, NotifierSettings

__all__ = ["EVENTS", "TYPES", "Notice", "Notifier", "NotifierSettings", "report_failure", "report_outcomes"]


def report_outcomes(
    settings: Sequence[NotifierSettings],
    outcomes: Sequence[OutcomeLike],
    environ: Mapping[str, str],
    *,
    dry_run: bool,
) -> None:
    """One notice per outcome that changed something; a delivery failure becomes a warning
    on that outcome."""
    if not settings:
        return
    with Notifier(settings, environ, dry_run=dry_run) as n:
        for o in outcomes:
            for notice in from_outcomes([o]):
                o.warnings.extend(n.send(notice))


def report_failure(
    settings: Sequence[NotifierSettings],
    error: BaseException,
    environ: Mapping[str, str],
    *,
    gate: bool,
    command: str,
    dry_run: bool,
) -> None:
    if not settings:
        return
    with Notifier(settings, environ, dry_run=dry_run) as n:
        n.send(from_error(error, gate=gate, command=command, dry_run=dry_run))
