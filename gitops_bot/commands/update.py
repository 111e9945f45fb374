"""``gitops-bot update``: plan, then deliver one release per environment (or per image), and
close the bot's pull requests the plan no longer produces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitops_bot.commands import auto
from gitops_bot.commands import plan as planning
from gitops_bot.config import Config
from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import (
    ArtifactKind,
    EnvironmentPlan,
    ImageRef,
    Plan,
    PlanAction,
    PlanItem,
    WriteMode,
)
from gitops_bot.engine import batch, delivery, stale, targeting
from gitops_bot.engine.app import App
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.events.payloads import Push
from gitops_bot.manifests import images
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render.diff import Rendered

log = get_logger(__name__)


@dataclass(frozen=True)
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
    promotions (:mod:`gitops_bot.commands.auto`) to the full cycles."""
    app = s.app
    only: set[str] | None = None
    if pushes is not None:
        env_names, only = targeting.narrow(app, env_names, pushes)
        log.info(
            "targeted", pushes=[str(p) for p in pushes], environments=env_names, images=sorted(only or ())
        )
        if not env_names:
            return Updated([])
    plan = planning.plan(app, env_names, metadata=True, images=only)  # a dry run shows the real PR body
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
        outcomes += auto.automatic(s, env_names, dry_run=dry_run)
    return Updated(outcomes, skipped)


def rendered_of(app: App, plan: Plan) -> tuple[Rendered, ...]:
    """The rendered diff of each release the plan would make (``plan --output json``): the
    same in-memory edits as ``update``, of the files as they are in the repository here."""
    out: list[Rendered] = []
    specs = app.image_specs()
    for ep in plan.environments:
        for rel in releases_of(app.config, ep):
            try:
                texts = {path: files.read_text(path) for path in app.files(app.config.environment(ep.name))}
                out += batch.edit(app, rel, app.root, texts, specs)[0].rendered
            except GitOpsBotError as e:  # the plan itself stands; update reports the edit's error
                out.append(Rendered(ep.name, ".", error=f"not edited: {e}"))
    return tuple(out)


def releases_of(cfg: Config, ep: EnvironmentPlan) -> list[Release]:
    """An environment plan's updates as releases: one, or one per image (``group: image``)."""
    updates = [i for i in ep.items if i.action is PlanAction.UPDATE and i.candidate is not None]
    changes = tuple(_change(i) for i in updates)
    if not changes:
        return []
    if cfg.pull_request.group == "image":
        return [Release(ep.name, (c,), group_image=c.image) for c in changes]
    return [Release(ep.name, changes)]


def _change(item: PlanItem) -> Change:
    cur, cand = item.current, item.candidate
    assert cand is not None
    if item.kind is ArtifactKind.CHART:
        return Change(
            environment=item.environment,
            image=item.image,
            repository=item.repository,
            files=(item.file,),
            from_tag=cur.tag if cur else None,
            from_digest=None,
            to_tag=cand.tag,
            to_digest=None,
            reason=item.reason,
            kind=ArtifactKind.CHART,
        )
    return Change(
        environment=item.environment,
        image=item.image,
        repository=item.repository,
        files=(item.file,),
        from_tag=cur.tag if cur else None,
        from_digest=cur.digest if cur else None,
        to_tag=cand.tag,
        to_digest=cand.digest,
        reason=item.reason,
        metadata=cand.metadata,
        new_name=_moved_repository(item),
        verification=item.verification,
    )


def _moved_repository(item: PlanItem) -> str | None:
    """The configured repository when the file pulls the image from another one (the digest
    was resolved in the configured repository, so the file must name it too). A Helm or
    marker site that names no repository is left as it is."""
    cur = item.current
    written = cur.new_name if cur else None
    if cur is not None and written is None and images.is_kustomization(item.file):
        written = cur.name  # no newName: the entry's name is what is pulled
    if written is None:
        return None
    try:
        same = ImageRef.parse(written).location == ImageRef.parse(item.repository).location
    except GitOpsBotError:
        return None
    return None if same else item.repository
