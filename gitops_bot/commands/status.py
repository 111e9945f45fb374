"""``gitops-bot status``: read-only; one repository's status, in a session that signs nothing.
The rows are the engine's (:mod:`gitops_bot.engine.status`); the exit code is the worst of the
sources that could not answer."""

from __future__ import annotations

from collections.abc import Sequence

from gitops_bot.engine.results import Status
from gitops_bot.engine.session import Sessions
from gitops_bot.engine.status import status as status_of


def status(
    repo: str,
    *,
    config: str | None = None,
    base: str | None = None,
    environments: Sequence[str] | None = None,
) -> Status:
    sessions = Sessions(repo, config_path=config, base=base)
    return sessions.open(lambda s: status_of(s, environments), sign=False)
