"""``gitops-bot unhold ENV IMAGE``: the hold lifted, by the same release as ``hold``'s
(:mod:`gitops_bot.commands.hold`)."""

from __future__ import annotations

from gitops_bot.commands.hold import unhold
from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.record import record
from gitops_bot.output.result import Result


@record(kw_only=True)
class Request(Changing):
    environment: str
    image: str


def run(request: Request) -> Result:
    return delivered(
        "unhold", request, lambda s: unhold(s, request.environment, request.image, dry_run=request.dry_run)
    )
