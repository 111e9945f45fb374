"""``gitops-bot explain ENV [IMAGE] [--at WHEN]``: read-only; each image's chain of rules, in
precedence order, and when its decision next changes (:mod:`gitops_bot.engine.explain`), in a
session that signs nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from gitops_bot.commands.request import OnRepository, sessions
from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import OutOfBounds, format_instant, later, parse_instant, parse_span
from gitops_bot.core.record import record
from gitops_bot.engine.explain import Explained, explain
from gitops_bot.output.command_results import Explaining
from gitops_bot.output.result import Format, Result
from gitops_bot.registry.pool import RegistryPool

_WHEN = "write an RFC 3339 instant (2026-11-27T17:00:00Z) or a span from now (+90m, +12h, +2d, +1w)"


@record(kw_only=True)
class Request(OnRepository):
    environment: str
    image: str | None = None
    at: str | None = None
    output: str = "text"


def run(request: Request) -> Result:
    return Result("explain", Explaining(read(request)), format=Format(request.output))


def read(request: Request) -> Explained:
    when = instant_of(request.at)
    # one registry answer per question for the run: the decision is made again at each instant
    # its next change may fall on, from what the registry said the first time
    pool = RegistryPool(memo=True)
    try:
        return sessions(request, pool=pool).open(
            lambda s: explain(s, request.environment, request.image, _resolved(when, s.app.clock())),
            sign=False,
        )
    finally:
        pool.close()


def _resolved(when: datetime | timedelta | None, now: datetime) -> datetime | None:
    if when is None:
        return None
    at = later(now, when) if isinstance(when, timedelta) else when
    if at < now:
        raise UsageError(
            f"--at {format_instant(at)} is before now ({format_instant(now)})",
            hint="explain looks at now or later: what was decided before is 'gitops-bot history'",
        )
    return at


def instant_of(text: str | None) -> datetime | timedelta | None:
    """``--at``: an instant, or ``+SPAN`` from now (resolved against the run's clock)."""
    if text is None:
        return None
    try:
        if text.startswith("+"):
            span = parse_span(text[1:])
            if span is not None:
                return span
        else:
            when = parse_instant(text)
            if when is not None:
                return when
    except OutOfBounds as exc:
        raise UsageError(f"--at {text!r} is outside {exc.allowed}", hint=_WHEN) from None
    raise UsageError(f"--at {text!r} is not an instant", hint=_WHEN)
