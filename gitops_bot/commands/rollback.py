"""``gitops-bot rollback ENV``: restore an earlier release's image set, and hold it.

Reads the environment's history and what it runs now; :func:`gitops_bot.release.promotion.rollback`
decides the release; restored digests the registry no longer has are warned about, never a
reason to block an emergency rollback.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitops_bot.commands.history import history
from gitops_bot.commands.promote import deployed
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.model import ImageRef, short_digest
from gitops_bot.engine import delivery
from gitops_bot.engine.app import App
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.release import freezes, promotion
from gitops_bot.release import ledger as history_mod
from gitops_bot.release.proposal import Change, Release


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
    override = freezes.check(s.app.config.root, env.name, s.app.clock(), force=force, reason=reason)
    rel, notes = release(s, environment, to=to, steps=steps)
    if override:
        notes.append(override)
    return delivery.deliver_one(s, environment, rel, notes, dry_run=dry_run, note=override or "")


def release(
    s: Session, environment: str, *, to: str | None, steps: int | None
) -> tuple[Release | None, list[str]]:
    """The rollback's release (None: the environment runs that image set) and notes."""
    env = s.app.config.environment(environment)
    limit = None if to is not None else (steps or 1) + 1
    entries = history(s, env.name, limit=limit)
    if not entries:
        raise UsageError(f"{env.name} has no release history in git", hint="nothing to roll back to")
    target = history_mod.find(entries, to=to, steps=steps, environment=env.name)
    rel, notes = promotion.rollback(s.app.config, env.name, target, deployed(s.app, env.name))
    if rel is not None:
        notes += _missing_digests(s.app, rel.changes)
    return rel, notes


def _missing_digests(app: App, changes: Sequence[Change]) -> list[str]:
    """Best effort for a rollback: warn about restored digests the registry no longer has (or
    that cannot be checked now), but never block an emergency rollback on the registry."""
    out = []
    for c in changes:
        if not c.to_digest:
            continue
        ref = ImageRef.parse(c.repository)
        try:
            if not app.registry(ref.registry).exists(ref.repository, c.to_digest):
                out.append(f"{c.image}: {ref.location}@{c.to_digest} no longer exists in the registry")
        except GitOpsBotError as exc:
            out.append(f"{c.image}: could not check {short_digest(c.to_digest)} in the registry ({exc})")
    return out
