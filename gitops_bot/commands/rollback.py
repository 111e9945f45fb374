"""``gitops-bot rollback ENV``: restore an earlier release's image set and chart versions, and
hold them. The release is the engine's (:mod:`gitops_bot.engine.rollback`); this use case
refuses or proceeds by the one decision (:mod:`gitops_bot.engine.consent`: a freeze the chain
sees, unless ``--force --reason``), and delivers it."""

from __future__ import annotations

from dataclasses import replace

from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.record import record
from gitops_bot.engine import consent, delivery
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.rollback import release
from gitops_bot.engine.session import Session
from gitops_bot.output.result import Result


@record(kw_only=True)
class Request(Changing):
    environment: str
    to: str | None = None
    steps: int | None = None
    force: bool = False
    reason: str | None = None


def run(request: Request) -> Result:
    return delivered(
        "rollback",
        request,
        lambda s: rollback(
            s,
            request.environment,
            to=request.to,
            steps=request.steps,
            dry_run=request.dry_run,
            force=request.force,
            reason=request.reason,
        ),
    )


def rollback(
    s: Session,
    environment: str,
    *,
    to: str | None = None,
    steps: int | None = None,
    dry_run: bool = False,
    force: bool = False,
    reason: str | None = None,
) -> list[Outcome]:
    env = s.app.config.environment(environment)
    overrides = consent.rollback(s, env.name, force=force, reason=reason)
    rel, notes = release(s, environment, to=to, steps=steps)
    notes += overrides
    if rel is not None:  # its body records the override for the runs after, which weigh it again
        rel = replace(rel, overrides=tuple(sorted(overrides.rules)))
    return delivery.deliver_one(
        s,
        environment,
        rel,
        notes,
        kind=ReleaseKind.ROLLBACK,
        dry_run=dry_run,
        note=tuple(overrides),
    )
