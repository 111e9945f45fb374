"""Notifications out: tell people what a run did (Slack, Teams, a signed JSON webhook).

:mod:`.report` is the one hook (:func:`~.report.report_outcomes`,
:func:`~.report.report_failure`); :mod:`.message` and :mod:`.send` (httpx, gitops_bot.net) come
with it. ``config`` reads this package's :mod:`.settings` on every command, so the package
itself imports nothing else."""

from __future__ import annotations

from gitops_bot.notify.settings import EVENTS, TYPES, NotifierSettings

__all__ = ["EVENTS", "TYPES", "NotifierSettings"]
