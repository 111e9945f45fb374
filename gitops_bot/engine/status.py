"""The status: one row per environment and image (and Helm chart), for the people who run them
(``gitops-bot status``, the dashboard issue, ``watch``'s status page).

Each row puts side by side what git declares (the overlays at the base, read as ``plan`` reads
them), what the cluster reports through the gate (Argo CD's live images and the Application's
sync, health and operation), what the run decides and why (the plan's items decided by
:mod:`gitops_bot.engine.decisions`, the value ``plan`` shows: status decides nothing itself),
and the bot's open pull request for that environment (the forge's open PRs, asked once).
Read-only: no branch, push or pull request.

One source failing never hides the others: the plan is asked per registry host, the gate per
Application, the forge once, and a source that fails leaves its cells :class:`Unknown` with the
one-line reason, while the rest is shown. The run's exit code is then the worst of those
failures' (the fleet's rule, ``docs/reference/exit-codes.md``), so a script notices.

A chart's row has its declared version (as a tag), the plan's chart item and the open pull
request; the cluster's live images say nothing of a chart, so its cluster cell does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import (
    ArtifactKind,
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    Plan,
    PlanItem,
    ReleaseKind,
)
from gitops_bot.engine import branches, chart_plan, decisions, explain
from gitops_bot.engine import gates as gates_mod
from gitops_bot.engine.app import App
from gitops_bot.engine.history import history, read_together
from gitops_bot.engine.plan import Sightings, plan
from gitops_bot.engine.results import GateStatus, NextChange, Row, Status, Unknown
from gitops_bot.engine.session import Session
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.git.gitlog import Checkout
from gitops_bot.release.ledger import Entry
from gitops_bot.release.planning import ChartTarget, Target
from gitops_bot.release.proposal import Release

_CHARTS = "charts"  # the key of the chart versions' ask when it fails as a whole


def status(s: Session, env_names: Sequence[str] | None = None) -> Status:
    app = s.app
    envs = app.declared.environments(env_names)
    read_together(s, [e.name for e in envs])  # a person's changes and the releases shown, at once
    targets = {env.name: app.targets(env) for env in envs}
    seen = s.sightings(dry_run=True)
    items = _plan_items(app, [e.name for e in envs], seen)
    # the decisions of the plan's items: the same value plan shows, and the gates read for it
    known = Plan(
        tuple(
            EnvironmentPlan(
                e.name,
                e.mode,
                tuple(i for i in items.values() if isinstance(i, PlanItem) and i.environment == e.name),
                e.promote_from,
            )
            for e in envs
        )
    )
    readings = decisions.Readings(app, [e.name for e in envs], s.environ, gates=s.gates())
    try:
        found = readings.decide(known)
        upcoming = _next(app, readings, found, envs, seen)
    finally:
        readings.close()
    items.update({(i.environment, i.image): i for ep in found.plan.environments for i in ep.items})
    chains = {(env, image): steps for (env, _, image), steps in found.chains.items()}
    gates = found.gates
    pulls = _open_pulls(s)
    rows = []
    for env in envs:
        for t in targets[env.name]:
            rows.append(
                Row(
                    environment=env.name,
                    image=t.image.name,
                    file=t.file,
                    declared=t.deployed,
                    location=gates_mod.location(app, t),
                    plan=items.get(t.key) or _missing(items, t),
                    pull_request=_pull_request(app, pulls, env.name, t.image.name),
                    gate=gates.get(env.name),
                    source=env.promote_from,
                    chain=chains.get(t.key, ()),
                    reading=app.reading(env).image(t.image.name),
                )
            )
        rows += [_chart_row(app, t, items, pulls, gates.get(env.name)) for t in app.chart_targets(env)]
    reading = tuple(r for env in envs for r in app.reading(env).images)
    return Status(tuple(rows), _releases(s, envs), upcoming, reading)


def _next(
    app: App,
    readings: decisions.Readings,
    found: decisions.Decided,
    envs: Sequence[EnvironmentConfig],
    seen: Sightings,
) -> dict[str, tuple[str, NextChange]]:
    """Each environment's next change, as ``explain`` finds it (the plan decided again at the
    instants its rules name, from what this run read); none where a registry cannot answer."""
    items = [i for ep in found.plan.environments for i in ep.items]
    now = app.clock()

    def decided(t: datetime, names: Sequence[str]) -> decisions.Decided:
        return readings.decide(plan(app, names, seen=seen, now=t), t)

    try:
        changes = explain.next_changes(items, found.chains, {e.name: e.windows for e in envs}, now, decided)
    except GitOpsBotError:
        return {}
    out: dict[str, tuple[str, NextChange]] = {}
    for (env, _, image), change in sorted(changes.items(), key=lambda kv: kv[1].at):
        out.setdefault(env, (image, change))
    return out


RECENT = 5  # releases shown per environment


def _releases(s: Session, envs: Sequence[EnvironmentConfig]) -> dict[str, tuple[Entry, ...]]:
    """Each environment's last releases from the base's history (who, when, what, and by which
    rule: the bot's commit subjects say promote, rollback or hold); one that cannot be read is
    left out, the rest shown."""

    # status fetches and pushes nothing: the environments on one ref are read together (one
    # git log, ls-tree, rev-list and cat-file of all their files, each environment's history cut
    # from it), where each environment's cost four git processes of its own: those on the base
    # through the run's checkout, with the person's changes read there (read_together), those
    # on their own branches through a steady view of the store
    steady = Checkout.steady(s.ws)
    own = [env for env in envs if branches.branch_of(s.app, env) is not None]
    try:
        for env in own:
            steady.expect(branches.log_ref(s.app, env, s.ws.base_ref), s.app.repo_paths(env, s.root))
    except GitOpsBotError:
        pass  # each environment finds so alone
    out: dict[str, tuple[Entry, ...]] = {}
    for env in envs:
        try:
            out[env.name] = tuple(history(s, env.name, limit=RECENT, ws=steady if env in own else None))
        except GitOpsBotError:
            continue
    return out


def _chart_row(
    app: App,
    t: ChartTarget,
    items: Mapping[object, PlanItem | Unknown],
    pulls: dict[str, ChangeRequest] | Unknown,
    gate: GateStatus | Unknown | None,
) -> Row:
    env, name = t.environment.name, t.chart.name
    found = items.get((env, name)) or items.get(_CHARTS)
    return Row(
        environment=env,
        image=name,
        file=t.file,
        declared=None if t.version is None else Deployed(name, t.chart.repository, t.version, None),
        location=t.chart.repository,
        plan=found or Unknown(f"the plan has no item for chart {name}", 1),
        pull_request=_pull_request(app, pulls, env, name),
        gate=gate,
        kind=ArtifactKind.CHART,
        source=t.environment.promote_from,
    )


def _missing(items: Mapping[object, PlanItem | Unknown], t: Target) -> Unknown:
    promoted = t.environment.mode is EnvironmentMode.PROMOTION
    found = items.get(None if promoted else t.image.repository.registry)
    return found if isinstance(found, Unknown) else Unknown(f"the plan has no item for {t.image.name}", 1)


def _plan_items(app: App, env_names: list[str], seen: Sightings) -> dict[object, PlanItem | Unknown]:
    """The plan's items by (environment, image), asked one registry host at a time: a host that
    stays unavailable leaves its images unknown (keyed by the host) and the others planned."""
    by_host: dict[str, list[str]] = {}
    for img in app.config.images:
        by_host.setdefault(img.repository.registry, []).append(img.name)
    envs = app.declared.environments(env_names)
    # environments that receive promotions ask no registry: planned apart, they never wait on one
    promoted = [e.name for e in envs if e.mode is EnvironmentMode.PROMOTION]
    registry = [e.name for e in envs if e.mode is not EnvironmentMode.PROMOTION]
    asks: list[tuple[str | None, list[str], list[str] | None]] = [(None, promoted, None)] if promoted else []
    asks += [(host, registry, names) for host, names in by_host.items()] if registry else []
    out: dict[object, PlanItem | Unknown] = {}
    for host, names_of_envs, images in asks:
        try:
            p = plan(app, names_of_envs, images=images, seen=seen)
        except GitOpsBotError as exc:
            out[host] = Unknown.of(exc)
            continue
        out.update({(i.environment, i.image): i for e in p.environments for i in e.items})
    if registry and app.config.charts:
        # the per-host asks are targeted (images named), which plan no charts: charts apart
        try:
            charts = chart_plan.plan_charts(app, app.declared.environments(registry), None)
        except GitOpsBotError as exc:
            out[_CHARTS] = Unknown.of(exc)
        else:
            out.update({(i.environment, i.image): i for items in charts.values() for i in items})
    return out


def _open_pulls(s: Session) -> dict[str, ChangeRequest] | Unknown:
    try:
        return s.forge()[1]
    except GitOpsBotError as exc:
        return Unknown.of(exc)


def _pull_request(
    app: App, pulls: dict[str, ChangeRequest] | Unknown, environment: str, image: str
) -> ChangeRequest | Unknown | None:
    """The bot's open PR that would change ``image`` in ``environment``: its own branch when
    PRs carry one image, else the environment's update, promotion, rollback or hold branch."""
    if isinstance(pulls, Unknown):
        return pulls
    prefix = app.config.git.branch_prefix
    branches = [Release(environment, (), group_image=image).branch(prefix)]
    branches += [Release(environment, (), kind=k).branch(prefix) for k in ReleaseKind]
    return next((pulls[b] for b in branches if b in pulls), None)
