"""``gitops-bot unfreeze ENV`` (or ``--all``: the line restarted): the freeze lifted, by the
same release as ``freeze``'s (:mod:`gitops_bot.commands.freeze`)."""

from __future__ import annotations

from gitops_bot.commands.freeze import target, unfreeze
from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.record import record
from gitops_bot.output.result import Result


@record(kw_only=True)
class Request(Changing):
    environment: str | None = None
    everywhere: bool = False  # --all: restart the line


def run(request: Request) -> Result:
    target(request.environment, request.everywhere, "unfreeze")
    return delivered(
        "unfreeze",
        request,
        lambda s: unfreeze(s, request.environment, everywhere=request.everywhere, dry_run=request.dry_run),
    )
