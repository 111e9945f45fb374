"""``gitops-bot status``: read-only; one repository's status, in a session that signs nothing.
The rows are the engine's (:mod:`gitops_bot.engine.status`); the exit code is the worst of the
sources that could not answer."""

from __future__ import annotations

from collections.abc import Sequence

from gitops_bot.commands.request import OnRepository, sessions
from gitops_bot.core.record import record
from gitops_bot.engine.results import Status
from gitops_bot.engine.status import status as status_of
from gitops_bot.output.command_results import StatusRead
from gitops_bot.output.result import Format, Result
from gitops_bot.registry.pool import RegistryPool


@record(kw_only=True)
class Request(OnRepository):
    envs: Sequence[str] | None = None
    output: str = "text"


def run(request: Request) -> Result:
    found = read(request)
    return Result("status", StatusRead(found), found.exit_code, Format(request.output))


def read(request: Request) -> Status:
    # one registry answer per question: each environment's next change decides it again at the
    # instants its rules name, from what the registry said the first time
    pool = RegistryPool(memo=True)
    try:
        return sessions(request, pool=pool).open(lambda s: status_of(s, request.envs), sign=False)
    finally:
        pool.close()


def status(
    repo: str,
    *,
    config: str | None = None,
    base: str | None = None,
    environments: Sequence[str] | None = None,
) -> Status:
    return read(Request(repo=repo, config=config, base=base, envs=environments))
