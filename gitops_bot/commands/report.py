"""``gitops-bot report [ENV ...] [--since DURATION]``: read-only; each environment's four DORA
keys over the period (:mod:`gitops_bot.engine.report`), in a session that signs nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from gitops_bot.commands.request import OnRepository, sessions
from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import OutOfBounds, parse_span
from gitops_bot.core.record import record
from gitops_bot.engine.report import Reports, report
from gitops_bot.output.command_results import Reported
from gitops_bot.output.result import Format, Result


@record(kw_only=True)
class Request(OnRepository):
    environments: Sequence[str] = ()
    since: str = "30d"
    output: str = "text"


def run(request: Request) -> Result:
    return Result("report", Reported(read(request)), format=Format(request.output))


def read(request: Request) -> Reports:
    period = period_of(request.since)
    names = list(dict.fromkeys(request.environments)) or None  # a repeated name counts once
    return sessions(request).open(lambda s: report(s, names, period), sign=False)


def period_of(text: str) -> timedelta:
    """``--since``: a span back from now."""
    try:
        span = parse_span(text)
    except OutOfBounds as exc:
        raise UsageError(f"--since {text!r} is outside {exc.allowed}", hint="give a shorter period") from None
    if span is None:
        raise UsageError(
            f"--since {text!r} is not a duration",
            hint="write e.g. 12h, 30d, 1w or 1d12h (weeks, days, hours, minutes)",
        )
    return span
