"""``gitops-bot update``: plan, then deliver one release per environment (or per image), and
close the bot's pull requests the plan no longer produces; over one repository or a fleet of
them (:mod:`gitops_bot.commands.fleet`), once (:func:`run`) or cycle after cycle (``watch``
keeps an :class:`Updater` per repository)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence

from gitops_bot.commands import dashboard, fleet
from gitops_bot.commands import hold as holding
from gitops_bot.commands.request import Changing, sessions
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.model import (
    PlanAction,
    PlanItem,
    ReleaseKind,
    WriteMode,
)
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import ImageReading
from gitops_bot.core.record import record
from gitops_bot.engine import auto, delivery, stale, targeting
from gitops_bot.engine import plan as planning
from gitops_bot.engine.edits import releases_of
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.results import RepositoryResult, worst
from gitops_bot.engine.session import Session, Sessions
from gitops_bot.events.payloads import Push
from gitops_bot.output.command_results import Delivered, FleetDelivered
from gitops_bot.output.result import Result
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.release import intent
from gitops_bot.release.proposal import Release

log = get_logger(__name__)


@record
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
    if only is None and any(
        app.config.environment(e.name).write is WriteMode.PULL_REQUEST for e in plan.environments
    ):  # a dry run reads the same open pull requests and says which it would close
        outcomes += stale.close_stale(s, plan.environments, releases, dry_run=dry_run)
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
        holds = {i: None if why is None else Outside(why) for i, why in {**pending, **wanted}.items()}
        rel = Release(name, (), kind=ReleaseKind.HOLD, holds=tuple(sorted(holds.items())))
        out += delivery.deliver_one(s, name, rel, [], kind=ReleaseKind.HOLD, dry_run=dry_run)
    return out


# -- the command ---------------------------------------------------------------------------


@record(kw_only=True)
class Request(Changing):
    envs: Sequence[str] | None = None
    repos: Sequence[str] | None = None  # every --repo given (more than one: a fleet)
    repositories: str | None = None
    parallel: int | None = None
    shard: str | None = None


def run(request: Request) -> Result:
    started = time.monotonic()
    many = fleet.named(
        request.repo,
        request.repos,
        request.repositories,
        config=request.config,
        base=request.base,
        shard=request.shard,
    )
    if many is not None:
        return _run_fleet(request, many, started)
    skipped: list[PlanItem] = []
    reading: list[ImageReading] = []

    def one(s: Session) -> list[Outcome]:
        done = updated(s, request.envs, dry_run=request.dry_run)
        skipped.extend(done.skipped)
        if request.dry_run:  # what each environment renders, as plan shows it (read once this run)
            reading.extend(
                r for env in s.app.declared.environments(request.envs) for r in s.app.reading(env).images
            )
        return done.outcomes

    # reported: the notifications see the outcomes, and add their failures as warnings; the
    # dashboard's session judges the gates with the run's clients and readings
    repository = sessions(request)
    with repository.one_run():
        outcomes = repository.reported("update", one, dry_run=request.dry_run)
        dashboard.refresh(repository, dry_run=request.dry_run)
    get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), outcomes=len(outcomes)
    )
    return Result("update", Delivered(tuple(outcomes), tuple(skipped), tuple(reading)), format=request.format)


def _run_fleet(request: Request, many: fleet.Fleet, started: float) -> Result:
    results = over(
        many,
        env_names=request.envs,
        dry_run=request.dry_run,
        parallel=request.parallel,
        after=lambda u: dashboard.refresh(u, dry_run=request.dry_run),
    )
    code = worst([r.exit_code for r in results])
    get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), repositories=len(results), exit_code=code
    )
    return Result("update", FleetDelivered(tuple(results), code), code, request.format)


class Updater(Sessions):
    """One repository updated run after run (``watch``'s cycles, a fleet's repositories): its
    sessions, and the update made in a new one each time."""

    def run(
        self,
        env_names: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        should_stop: Callable[[], bool] = lambda: False,
        pushes: Sequence[Push] | None = None,
    ) -> list[Outcome]:
        return self.reported(
            "update",
            lambda s: update(s, env_names, dry_run=dry_run, should_stop=should_stop, pushes=pushes),
            dry_run=dry_run,
        )


def updater(
    repo: fleet.Repository, pool: RegistryPool, *, environ: Mapping[str, str] | None = None
) -> Updater:
    """One repository's updater on the shared pool (``update`` once, ``watch`` every cycle). Its
    config reads the environment through the view the repositories file allows it."""
    return Updater(
        repo.url, config_path=repo.config, base=repo.base, environ=fleet.view(repo, environ), pool=pool
    )


def over(
    repositories: fleet.Fleet,
    *,
    env_names: Sequence[str] | None = None,
    dry_run: bool = False,
    parallel: int | None = None,
    environ: Mapping[str, str] | None = None,
    pool: RegistryPool | None = None,
    after: Callable[[Updater], object] | None = None,
) -> list[RepositoryResult]:
    """Update every repository, at most ``parallel`` at once, through one registry pool
    (``pool``, else a new one answering each question once for this run); ``after``: what to
    do with each repository's updater once its run is done (the dashboard issue)."""
    workers = repositories.parallel if parallel is None else parallel
    if workers < 1:
        raise UsageError("--parallel must be 1 or more")
    with pool or RegistryPool(env=environ, memo=True) as shared:

        def one(repo: fleet.Repository) -> RepositoryResult:
            try:
                u = updater(repo, shared, environ=environ)
                with u.one_run():  # the repository's run and its dashboard: one client per gate server
                    outcomes = u.run(env_names, dry_run=dry_run)
                    if after is not None:
                        after(u)
                return RepositoryResult(repo.url, outcomes=outcomes)
            except GitOpsBotError as exc:
                log.warning("repository_failed", exit_code=exc.exit_code, error=redact(str(exc)))
                return RepositoryResult(repo.url, exc.exit_code, redact(str(exc)))
            except Exception as exc:  # a bug in one repository's run must not stop the others
                log.error("repository_crashed", traceback=redact(traceback.format_exc()))
                return RepositoryResult(repo.url, 1, redact(f"internal error: {exc!r}"))

        return fleet.each(repositories.repositories, one, workers, lambda r: r.url)
