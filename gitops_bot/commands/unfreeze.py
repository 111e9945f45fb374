"""``gitops-bot unfreeze ENV``: the freeze lifted, by the same release as ``freeze``'s
(:mod:`gitops_bot.commands.freeze`)."""

from __future__ import annotations

from dataclasses import dataclass

from gitops_bot.commands.freeze import unfreeze
from gitops_bot.commands.request import Changing, delivered
from gitops_bot.output.result import Result


@dataclass(frozen=True, slots=True, kw_only=True)
class Request(Changing):
    environment: str


def run(request: Request) -> Result:
    return delivered("unfreeze", request, lambda s: unfreeze(s, request.environment, dry_run=request.dry_run))
