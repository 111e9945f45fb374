"""The commands as methods on one repository's :class:`gitops_bot.session.Sessions`, for the
callers that keep an object per repository (the CLI, ``watch``, ``fleet``): each opens a
session and runs the use case of :mod:`gitops_bot.usecases` in it, with the same arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec

from gitops_bot.history import Entry
from gitops_bot.session import Session, Sessions
from gitops_bot.usecases import history, promote, rollback, update
from gitops_bot.usecases.hold import hold as hold_
from gitops_bot.usecases.hold import unhold as unhold_
from gitops_bot.usecases.result import Outcome

__all__ = ["Outcome", "Updater"]
P = ParamSpec("P")


def _command(
    name: str, fn: Callable[Concatenate[Session, P], list[Outcome]]
) -> Callable[Concatenate[Sessions, P], list[Outcome]]:
    """``fn`` in a new session, its outcomes (or failure) sent to the notifications."""

    def method(self: Sessions, /, *args: P.args, **kwargs: P.kwargs) -> list[Outcome]:
        return self.reported(name, lambda s: fn(s, *args, **kwargs), dry_run=bool(kwargs.get("dry_run")))

    return method


class Updater(Sessions):
    run = _command("update", update.update)
    promote = _command("promote", promote.promote)
    rollback = _command("rollback", rollback.rollback)
    hold = _command("hold", hold_)
    unhold = _command("unhold", unhold_)

    def history(self, environment: str, *, limit: int | None = None) -> list[Entry]:
        """Read-only: fetches the base and reads its log."""
        return self.open(lambda s: history.history(s, environment, limit=limit), sign=False)
