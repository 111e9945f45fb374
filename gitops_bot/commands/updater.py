"""The commands as methods on one repository's :class:`gitops_bot.engine.session.Sessions`, for the
callers that keep an object per repository (the CLI, ``watch``, ``fleet``): each opens a
session and runs the use case of :mod:`gitops_bot.commands` in it, with the same arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec

from gitops_bot.commands import freeze as freeze_
from gitops_bot.commands import promote, rollback, update
from gitops_bot.commands.hold import hold as hold_
from gitops_bot.commands.hold import unhold as unhold_
from gitops_bot.engine import history
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session, Sessions
from gitops_bot.release.ledger import Entry

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
    freeze = _command("freeze", freeze_.freeze)
    unfreeze = _command("unfreeze", freeze_.unfreeze)

    def history(self, environment: str, *, limit: int | None = None) -> list[Entry]:
        """Read-only: fetches the base and reads its log."""
        return self.open(lambda s: history.history(s, environment, limit=limit), sign=False)
