"""A rollback's release: an earlier release's image set and chart versions restored, and held
(``gitops-bot rollback`` and the automatic rollbacks deliver it).

Reads the environment's history and what it runs now; :func:`gitops_bot.release.promotion.rollback`
decides the release; restored digests the registry no longer has are warned about, never a
reason to block an emergency rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.model import ArtifactKind, ImageRef, ReleaseKind, short_digest
from gitops_bot.core.outside import Outside
from gitops_bot.engine.app import App
from gitops_bot.engine.history import deployed, history
from gitops_bot.engine.session import Session
from gitops_bot.manifests.charts_refs import is_exact
from gitops_bot.release import ledger as history_mod
from gitops_bot.release import planning, promotion
from gitops_bot.release.proposal import Change, Release


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
    charts, chart_holds, chart_notes = _chart_changes(s.app, env, target)
    notes += chart_notes
    if not charts:
        return rel, notes
    if rel is None:
        # the image set was already that release's: only its chart versions are restored
        notes = [n for n in notes if not n.startswith(f"{env.name} already runs the image set")]
        rel = Release(env.name, (), kind=ReleaseKind.ROLLBACK)
    return replace(rel, changes=rel.changes + charts, holds=rel.holds + chart_holds), notes


def _chart_changes(
    app: App, env: EnvironmentConfig, target: history_mod.Entry
) -> tuple[tuple[Change, ...], tuple[tuple[str, Outside | None], ...], list[str]]:
    """The chart versions ``target`` pinned that the environment pins otherwise now, each
    held as a restored image is. A range, then or now, is the environment's own to resolve,
    and is left alone with a note."""
    now = {t.chart.name: t for t in app.chart_targets(env) if t.version is not None}
    changes: list[Change] = []
    holds: list[tuple[str, Outside | None]] = []
    notes: list[str] = []
    for name, want in sorted(target.charts.items()):
        t = now.get(name)
        if t is None:
            notes.append(f"{name}: no longer in {env.name}'s files; not restored")
            continue
        if t.version == want:
            continue
        if t.shared:  # what other environments deploy too is not rolled back for this one
            notes.append(f"{name}: {planning.shared_reason(t)}; not restored")
            continue
        if not t.exact or not is_exact(want):
            notes.append(f"{name}: {t.version} now, {want} in {target.name}; a range is not restored")
            continue
        changes.append(
            Change(
                environment=env.name,
                image=name,
                repository=t.chart.repository,
                files=(t.file,),
                from_tag=t.version,
                from_digest=None,
                to_tag=want,
                to_digest=None,
                reason=Outside(f"as released in {target.name} ({target.time}, {target.commit[:12]})"),
                kind=ArtifactKind.CHART,
            )
        )
        holds.append((name, Outside(f"rolled back to {target.name} (was {t.version})")))
    return tuple(changes), tuple(holds), notes


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
