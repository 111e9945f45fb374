"""The one hook of notifications: the write-back layer calls :func:`report_outcomes` and
:func:`report_failure` for every release command, so the CLI, the Action and ``watch`` notify
alike. Its own module, apart from the package's settings: ``config`` reads
:mod:`gitops_bot.notify.settings` on every command, and a command that sends nothing (``plan``)
loads neither the messages nor the client that sends them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from gitops_bot.notify.message import from_error, from_outcomes
from gitops_bot.notify.send import Notifier
from gitops_bot.notify.settings import NotifierSettings

if TYPE_CHECKING:
    from gitops_bot.notify.message import OutcomeLike


def report_outcomes(
    settings: Sequence[NotifierSettings],
    outcomes: Sequence[OutcomeLike],
    environ: Mapping[str, str],
    *,
    dry_run: bool,
) -> list[list[str]]:
    """One notice per outcome that changed something; a delivery failure becomes a warning
    for that outcome: the warnings, one list per outcome in order."""
    if not settings:
        return [[] for _ in outcomes]

    with Notifier(settings, environ, dry_run=dry_run) as n:
        return [[w for notice in from_outcomes([o]) for w in n.send(notice)] for o in outcomes]


REPEAT_AFTER = 3600.0  # seconds: the same failure again within this is not sent again
RECENT_FAILURES = 256  # failures remembered at most (the oldest forgotten: it is sent again)
_recent: dict[str, float] = {}  # failure text -> when it was last sent, of the last REPEAT_AFTER


def report_failure(
    settings: Sequence[NotifierSettings],
    error: BaseException,
    environ: Mapping[str, str],
    *,
    gate: bool,
    command: str,
    dry_run: bool,
) -> None:
    """A long-running ``watch`` meets the same failure every cycle during an outage: it is
    sent once, then again only after ``REPEAT_AFTER`` seconds (per process)."""
    if not settings:
        return

    notice = from_error(error, gate=gate, command=command, dry_run=dry_run)
    now, key = time.monotonic(), notice.text()
    if not dry_run and now - _recent.get(key, -REPEAT_AFTER) < REPEAT_AFTER:
        return
    _recent.pop(key, None)  # kept in the order sent: the oldest first
    _recent[key] = now
    # a failure older than REPEAT_AFTER is sent again anyway: forgotten, so a watch meeting a
    # new failure text every cycle (an id, a time in it) for weeks keeps only the last hour's
    while len(_recent) > RECENT_FAILURES or now - next(iter(_recent.values())) >= REPEAT_AFTER:
        del _recent[next(iter(_recent))]

    with Notifier(settings, environ, dry_run=dry_run) as n:
        n.send(notice)
