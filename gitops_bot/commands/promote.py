"""``gitops-bot promote SRC DST``: DST gets exactly the digests SRC runs. The release is the
engine's (:mod:`gitops_bot.engine.promotion`); this use case refuses or proceeds by the one
decision (:mod:`gitops_bot.engine.consent`: the rule, reason and "until" ``plan`` prints, with
``--force --reason`` a fact it weighs), and delivers it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.record import record
from gitops_bot.engine import consent, delivery
from gitops_bot.engine.history import read_together
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.promotion import release
from gitops_bot.engine.session import Session
from gitops_bot.output.result import Result


@record(kw_only=True)
class Request(Changing):
    source: str
    target: str
    images: Sequence[str] = ()  # --image, repeatable (a repeated one counts once, as --env does)
    force: bool = False
    skip_gate: bool = False
    reason: str | None = None


def run(request: Request) -> Result:
    images = list(dict.fromkeys(request.images or ()))
    return delivered(
        "promote",
        request,
        lambda s: promote(
            s,
            request.source,
            request.target,
            images=images,
            force=request.force,
            skip_gate=request.skip_gate,
            dry_run=request.dry_run,
            reason=request.reason,
        ),
    )


def promote(
    s: Session,
    source: str,
    target: str,
    *,
    images: Sequence[str] = (),
    force: bool = False,
    skip_gate: bool = False,
    dry_run: bool = False,
    reason: str | None = None,
) -> list[Outcome]:
    read_together(s, (target, source))  # a person's changes of the target, what brought the source's
    overrides = consent.promotion(
        s, source, target, only=images, force=force, skip_gate=skip_gate, reason=reason
    )
    rel, notes = release(s, source, target, only=images, force=force)
    notes += overrides
    if rel is not None:  # its body records the overrides for the runs after, which weigh them again
        rel = replace(rel, overrides=tuple(sorted(overrides.rules)))
    note = tuple(part for k, o in enumerate(overrides) for part in ((o,) if k == 0 else ("\n\n", o)))
    return delivery.deliver_one(s, target, rel, notes, kind=ReleaseKind.PROMOTION, dry_run=dry_run, note=note)
