"""What the commands' requests share, and the one way a command opens its sessions.

Every command is one module with a ``Request`` (its arguments, each field named as the command
line's parser names it, so :func:`gitops_bot.cli.execute` builds it from the parsed arguments
alone) and ``run(request) -> Result``. A command that works on a GitOps repository's remote
opens its session through :func:`sessions`, and one that may change it runs in
:func:`delivered`: the outcomes, or the failure, go to the configured notifications.
"""

from __future__ import annotations

from collections.abc import Callable

from gitops_bot.core.record import record
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session, Sessions
from gitops_bot.output.command_results import Delivered
from gitops_bot.output.result import Format, Result
from gitops_bot.registry.pool import RegistryPool


@record(kw_only=True)
class OnRepository:
    """``--repo`` (a local clone or a git URL), ``--config`` and ``--base``."""

    repo: str = "."
    config: str | None = None
    base: str | None = None


@record(kw_only=True)
class Changing(OnRepository):
    """A command that may change the repository (``--dry-run``: it changes nothing)."""

    dry_run: bool = False
    output: str = "text"

    @property
    def format(self) -> Format:
        return Format(self.output)


def sessions(request: OnRepository, *, pool: RegistryPool | None = None) -> Sessions:
    """The sessions of the request's repository (``pool``: the registry clients to use, e.g.
    one that remembers its answers for the run)."""
    return Sessions(request.repo, config_path=request.config, base=request.base, pool=pool)


def delivered(command: str, request: Changing, fn: Callable[[Session], list[Outcome]]) -> Result:
    """``fn`` in a new session of the request's repository, its outcomes (or its failure) sent
    to the configured notifications; a commit is signed unless it is a dry run."""
    outcomes = sessions(request).reported(command, fn, dry_run=request.dry_run)
    return Result(command, Delivered(tuple(outcomes)), format=request.format)
