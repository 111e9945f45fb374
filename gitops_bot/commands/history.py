"""``gitops-bot history ENV``: read-only; the environment's releases on the base, newest first
(:mod:`gitops_bot.engine.history`), in a session that signs nothing."""

from __future__ import annotations

from gitops_bot.commands.request import OnRepository, sessions
from gitops_bot.core.record import record
from gitops_bot.engine.history import history
from gitops_bot.output.command_results import HistoryRead
from gitops_bot.output.result import Format, Result


@record(kw_only=True)
class Request(OnRepository):
    environment: str
    limit: int | None = None  # 0 or None: every release
    output: str = "text"


def run(request: Request) -> Result:
    entries = sessions(request).open(
        lambda s: history(s, request.environment, limit=request.limit or None), sign=False
    )
    return Result("history", HistoryRead(request.environment, tuple(entries)), format=Format(request.output))
