"""``gitops-bot update``: plan, then deliver one release per environment (or per image), and
close the bot's pull requests the plan no longer produces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitops_bot.commands import hold as holding
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import (
    PlanAction,
    PlanItem,
    ReleaseKind,
    WriteMode,
)
from gitops_bot.engine import auto, delivery, stale, targeting
from gitops_bot.engine import plan as planning
from gitops_bot.engine.edits import releases_of
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.events.payloads import Push
from gitops_bot.release import intent
from gitops_bot.release.proposal import Release

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Updated:
    """An update's outcomes, and the images its plan skipped: a run that changed nothing
    because images were skipped must not read as one with nothing to do."""

    outcomes: list[Outcome]
    skipped: tuple[PlanItem, ...] = ()


def update(
    s: Session,
    env_names: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    pushes: Sequence[Push] | None = None,
) -> list[Outcome]:
    """:func:`updated`'s outcomes (``watch`` and ``fleet`` report no skips)."""
    return updated(s, env_names, dry_run=dry_run, should_stop=should_stop, pushes=pushes).outcomes


def updated(
    s: Session,
    env_names: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    pushes: Sequence[Push] | None = None,
) -> Updated:
    """One release per environment (or image) from the plan. ``should_stop`` is asked before
    each release (see :func:`gitops_bot.engine.delivery.deliver`). ``pushes`` (a webhook's targeted
    cycle): plan only what they concern, close nothing, and leave the automatic rollbacks and
    promotions (:mod:`gitops_bot.engine.auto`) to the full cycles."""
    app = s.app
    only: set[str] | None = None
    if pushes is not None:
        env_names, only = targeting.narrow(app, env_names, pushes)
        log.info(
            "targeted", pushes=[str(p) for p in pushes], environments=env_names, images=sorted(only or ())
        )
        if not env_names:
            return Updated([])
    seen = s.sightings(dry_run=dry_run)  # min_age's forge clock: asked only where needed
    # metadata: a dry run shows the real PR body
    plan = planning.plan(app, env_names, metadata=True, images=only, seen=seen)
    skipped = tuple(i for ep in plan.environments for i in ep.items if i.action is PlanAction.SKIP)
    releases = [r for ep in plan.environments for r in releases_of(app.config, ep)]
    outcomes = delivery.deliver(s, releases, dry_run=dry_run, should_stop=should_stop)
    if should_stop():
        return Updated(outcomes, skipped)
    if (
        only is None
        and not dry_run
        and any(app.config.environment(e.name).write is WriteMode.PULL_REQUEST for e in plan.environments)
    ):
        outcomes += stale.close_stale(s, plan.environments, releases)
    if only is None and not should_stop():  # a full cycle: the releases the bot opens on its own
        outcomes += _respect_people(s, [ep.name for ep in plan.environments], dry_run=dry_run)
        outcomes += auto.automatic(s, env_names, dry_run=dry_run)
    return Updated(outcomes, skipped)


def _respect_people(s: Session, env_names: Sequence[str], *, dry_run: bool) -> list[Outcome]:
    """A person's manual rollbacks become holds in the holds file (the plan already held them
    this run), with who, where and why, and a notification; their next change forward lifts
    them. One hold release per environment, delivered as ``hold``/``unhold`` deliver theirs
    (joining the environment's open hold pull request)."""

    out: list[Outcome] = []
    for name in env_names:
        changes, held = s.app.manual_changes(name), s.app.holds.get(name, {})
        wanted: dict[str, str | None] = {i: c.reason() for i, c in intent.to_hold(changes, held).items()}
        wanted.update({i: None for i in intent.to_lift(changes, held)})
        if not wanted:
            continue
        log.info("manual_rollbacks", environment=name, images=sorted(wanted))
        pending = holding.pending(s, name, dry_run=dry_run)
        rel = Release(name, (), kind=ReleaseKind.HOLD, holds=tuple(sorted({**pending, **wanted}.items())))
        out += delivery.deliver_one(s, name, rel, [], kind=ReleaseKind.HOLD, dry_run=dry_run)
    return out
