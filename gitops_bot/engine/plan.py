"""The plan: what each environment would get, asked of the registry at the fewest
requests: one tag listing per repository, created times only for policies that order by them,
one digest per chosen tag, signatures and metadata only for what would change; concurrently,
a repository's digests queued as soon as its own tags are in (when its choice needs nothing else).
The decisions themselves are :mod:`gitops_bot.release.planning`'s pure functions; the worker pool,
progress and per-key errors are :mod:`gitops_bot.engine.fanout`'s. ``gitops-bot plan`` (the use
case, :mod:`gitops_bot.commands.plan`), ``update``, ``status`` and ``watch`` all plan here."""

from __future__ import annotations

import importlib
import itertools
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import field, replace
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.instants import format_duration
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import (
    RULES_FOR_CHARTS,
    Candidate,
    Choice,
    EnvironmentMode,
    EnvironmentPlan,
    ImageMetadata,
    ImageRef,
    Plan,
    PlanAction,
    PlanItem,
    Verification,
    WriteMode,
)
from gitops_bot.core.reading import ChartReading, EnvironmentReading, PinKind
from gitops_bot.core.record import record
from gitops_bot.engine.app import App
from gitops_bot.engine.fanout import ask as _ask
from gitops_bot.engine.fanout import gather as _gather
from gitops_bot.engine.fanout import run_then as _run_then
from gitops_bot.policy import Policy
from gitops_bot.release import freezes, planning, windows
from gitops_bot.render.settings import RenderSettings

if TYPE_CHECKING:
    from gitops_bot.policy.age import AgeVerdict, ForgeClock, Unread

log = get_logger(__name__)
# The charts' plan, imported by name when the configuration has ``charts:`` (as the command
# line's table imports a command): a plan of images alone loads no chart client.
CHART_PLAN = "gitops_bot.engine.chart_plan"
# min_age's walk and clocks, imported by name when a target has a ``min_age``: a plan without
# one loads neither.
MIN_AGE = "gitops_bot.policy.age"
K = TypeVar("K")
V = TypeVar("V")
# (environment, image) -> {digest: when the bot first saw it}, as the environment's open pull
# request records it: the forge's clock for images no publisher-free clock ages
# (None: the forge was not asked; Unread: it was, and could not be read)
Sightings = Callable[[str, str], "Mapping[str, datetime] | Unread | None"]
# a digest asked of the registry: (repository, tag, platform)
_DigestKey = tuple[ImageRef, str, str | None]


@record(frozen=False, slots=False)
class _Found:
    """What the registry answered for a plan: tags listed, choices, digests, candidates."""

    tags: dict[ImageRef, list[str] | GitOpsBotError]
    choices: dict[tuple[str, str], Choice]
    digests: dict[_DigestKey, str | GitOpsBotError]
    candidates: dict[tuple[str, str], Candidate]
    verdicts: dict[tuple[str, str], Verification] = field(default_factory=dict)
    aged: dict[tuple[str, str], AgeVerdict | GitOpsBotError] = field(default_factory=dict)


def plan(
    app: App,
    env_names: Sequence[str] | None = None,
    *,
    metadata: bool = False,
    images: Collection[str] | None = None,
    seen: Sightings | None = None,
    now: datetime | None = None,
) -> Plan:
    """``images``: plan only these (a webhook's targeted cycle); None: every image.
    ``metadata``: read created time and labels of what will change (for the PR body).
    ``seen``: the forge's record of first sightings (None: not read, as by ``plan``).
    ``now``: plan at this instant (``explain``): the ages ``min_age`` compares, the window and
    the freeze shown, of what the registry holds now (None: the run's now)."""
    envs = app.declared.environments(env_names)
    readings = app.readings()  # every environment's, read once: the plan reads no other way
    reading = tuple(r for env in envs for r in readings[env.name].images)
    try:
        return _plan(app, envs, readings, metadata=metadata, images=images, seen=seen, now=now)
    except GitOpsBotError as e:  # what each environment renders is said whatever failed after
        e.reading = e.reading or (*reading, *_chart_reading(app, envs))
        raise


def _chart_reading(app: App, envs: Sequence[EnvironmentConfig]) -> tuple[ChartReading, ...]:
    """Each environment's configured charts as git shows them, for a run that failed after
    reading them (a chart repository out of reach does not unsay the versions written); none
    when the charts' own files cannot be read, which the error then says."""
    try:
        return tuple(t.reading() for env in envs for t in app.chart_targets(env))
    except GitOpsBotError:
        return ()


def _plan(
    app: App,
    envs: Sequence[EnvironmentConfig],
    readings: Mapping[str, EnvironmentReading],
    *,
    metadata: bool,
    images: Collection[str] | None,
    seen: Sightings | None,
    now: datetime | None,
) -> Plan:
    nothing_pinned(app.config, readings, lambda: _pins_a_chart(app))
    app.vetting.prepare(envs)
    targets = {
        env.name: [t for t in app.targets(env) if images is None or t.image.name in images] for env in envs
    }
    active = [
        t
        for ts in targets.values()
        for t in ts
        if t.deployed is not None and t.environment.mode is EnvironmentMode.REGISTRY
    ]
    policies = {img.name: Policy(img.policy) for img in app.config.images}
    # 1. tags: one listing per repository, whatever number of environments use it. A target
    # whose choice needs nothing but the tags (no created times, no min_age) is chosen as soon
    # as its repository's tags are in, and its digest queued on the same pool: digests are
    # asked while other tag lists are still out, not after the slowest of them
    listed = {t.image.repository for t in active if policies[t.image.name].needs_tags}
    direct: dict[ImageRef, list[planning.Target]] = {}
    for t in active:
        if not policies[t.image.name].needs_created_time and t.min_age is None:
            direct.setdefault(t.image.repository, []).append(t)
    debug = log.is_enabled_for(logging.DEBUG)
    held: dict[str, Mapping[str, str]] = {}
    # one repository of each registry, then the next of each: every registry is asked in the
    # pool's first round, so an offline run finds each one it cannot reach before the first
    # failure stops the feeding (in the set's order a registry behind 140 repositories of
    # another was reached, and named, in some runs only)
    rounds: dict[str, list[ImageRef]] = {}
    for r in sorted(listed | direct.keys(), key=str):
        rounds.setdefault(r.registry, []).append(r)
    read = [r for group in itertools.zip_longest(*rounds.values()) for r in group if r is not None]
    # each registry told which of its repositories the plan reads, in this order: a registry
    # that hands out tokens per repository is asked for many scopes a token request
    by_registry: dict[str, list[str]] = {}
    for r in read:
        by_registry.setdefault(r.registry, []).append(r.repository)
    for host, repositories in by_registry.items():
        app.registry(host).expect(repositories)
    early, resolved = _run_then(
        app,
        read,
        lambda r: _choose_at_once(app, r, r in listed, direct.get(r, ()), policies, debug),
        lambda k: _ask("resolving digests", k, lambda k: _resolve(app, k), debug),
        what="reading tags and digests",
        # what the registry's answers do not change, read while they are on their way: the
        # holds, and the checkout's history of changes made by hand (git, ~20 ms)
        meanwhile=lambda: held.update(app.held_every(envs)),
    )
    tags = {r: e.tags for r in listed if (e := early[r]).tags is not None}
    # 2. created times, only for policies that order by them; 3. choose the rest
    created = _created(app, active, policies, tags)
    choices = {key: c for e in early.values() for key, c in e.choices.items()}
    for t in active:
        listed_tags = tags.get(t.image.repository)
        if t.key not in choices and not isinstance(listed_tags, GitOpsBotError):
            choices[t.key] = policies[t.image.name].choose(
                listed_tags or [],
                t.deployed.tag if t.deployed else None,
                created.get((t.image.name, str(t.image.repository))),
            )
    # 3b. min_age: hold back too-young candidates, ages read best first, only as far as needed
    aged = _aged(app, active, policies, tags, created, choices, seen, now)
    for key, verdict in aged.items():
        if (
            not isinstance(verdict, GitOpsBotError)
            and verdict.tag is not None
            and verdict.tag != choices[key].tag
        ):
            span = format_duration(verdict.waiting.min_age) if verdict.waiting else ""
            why = (
                "the candidate first to come of age (min_age)"
                if verdict.waiting and verdict.waiting.proposed
                else f"newest candidate at least {span} old (min_age)"
            )
            choices[key] = Choice(verdict.tag, why)
    # 4. one digest per chosen (repository, tag, platform); min_age's walk already read its own
    found = _candidates(app, [t for t in active if t.key not in aged], tags, choices, resolved)
    for key, verdict in aged.items():
        if not isinstance(verdict, GitOpsBotError) and verdict.tag is not None and verdict.digest:
            found.candidates[key] = Candidate(verdict.tag, verdict.digest)
    found.aged = aged
    found.verdicts = _verify(app, active, found.candidates)
    if metadata:  # 5. metadata for what will change, when the caller shows it
        _add_metadata(app, active, found.candidates)
    chart_items: dict[str, list[PlanItem]] = {}
    if app.config.charts:  # the chart clients load only for charts
        chart_items = importlib.import_module(CHART_PLAN).plan_charts(app, envs, images)
    return Plan(
        tuple(
            _with_charts(
                _environment_plan(
                    app, env, readings[env.name], targets[env.name], found, held[env.name], now
                ),
                chart_items.get(env.name, []),
            )
            for env in envs
        ),
        read_by=_read_by(app.config.render, [readings[env.name] for env in envs]),
    )


def _read_by(render: RenderSettings, readings: Sequence[EnvironmentReading]) -> str:
    if not render.enabled:
        return "configured rules"
    if render.tool("kubectl") is None:
        return "rules"
    helm = any(p.kind is PinKind.HELM for r in readings for i in r.images for p in i.pins)
    # kubectl renders kustomizations; a chart's values are read by the rules where helm is absent
    return RULES_FOR_CHARTS if helm and render.tool("helm") is None else "renderer"


def _pins_a_chart(app: App) -> bool:
    """Whether an environment renders a place pinning a configured chart (its plan has an item)."""
    try:
        return any(app.chart_pins(env) for env in app.config.environments)
    except GitOpsBotError:  # the plan's chart items say it
        return True


def nothing_pinned(
    config: Config,
    by_environment: Mapping[str, EnvironmentReading],
    pins_charts: Callable[[], bool] = lambda: False,
) -> None:
    """A configuration under which no environment pins any image is a usage error that says
    why, not a plan of "(no images)": each environment's reading names what it read and the fix.
    One whose environments pin configured charts (wrapper charts' dependencies beside images a
    template writes whole) has a plan: each image's item says why it is not released."""
    if not config.images:
        return
    readings = [r for env in config.environments for r in by_environment[env.name].images]
    # an environment whose files are not all read (or a unit of it refused) pins its images where
    # nothing is known of the rest: its release is blocked (each item says why), not a
    # configuration pinning nothing
    if any(r.placed for r in readings) or any(
        by_environment[e.name].blocked or by_environment[e.name].scoped for e in config.environments
    ):
        return
    if pins_charts():
        return
    if not readings:  # no reading to say why: every environment lists no image
        raise UsageError(
            "no environment releases any configured image: each lists 'images: []' (its charts alone), "
            "and none pins a configured chart",
            hint="list in an environment's 'images' what it releases, or leave 'images' out (all of them)",
        )
    shown = readings[:3]
    more = (
        f" (and {len(readings) - len(shown)} more; 'plan --output json' lists them)"
        if len(readings) > 3
        else ""
    )
    raise UsageError(
        "no environment pins any configured image: "
        + "; ".join(f"{r.environment}: {r.image}: {r.reason}" for r in shown)
        + more,
        hint=shown[0].fix if shown and shown[0].fix else "point each environment's path at what it deploys",
    )


def _with_charts(ep: EnvironmentPlan, items: Sequence[PlanItem]) -> EnvironmentPlan:
    return replace(ep, items=ep.items + tuple(items)) if items else ep


@record
class _Early:
    """One repository's answers asked at once: its tags (None when no policy lists them) and
    the choices of its targets that need nothing more."""

    tags: list[str] | GitOpsBotError | None
    choices: dict[tuple[str, str], Choice]


def _choose_at_once(
    app: App,
    repository: ImageRef,
    list_tags: bool,
    targets: Sequence[planning.Target],
    policies: Mapping[str, Policy],
    debug: bool,
) -> tuple[_Early, list[_DigestKey]]:
    """List ``repository``'s tags (when a policy reads them) and choose for ``targets``: the
    answer, and each distinct chosen (tag, platform), whose digest the pool resolves next."""
    registry = app.registry(repository.registry)
    tags: list[str] | GitOpsBotError | None = None
    offered: list[str] = []  # a digest policy's choice reads no tags
    if list_tags:
        tags = _ask("listing tags", repository, lambda r: registry.list_tags(r.repository), debug)
        if isinstance(tags, GitOpsBotError):
            return _Early(tags, {}), []
        offered = tags
    choices = {
        t.key: policies[t.image.name].choose(offered, t.deployed.tag if t.deployed else None) for t in targets
    }
    wanted = dict.fromkeys(
        (repository, c.tag, t.image.platform) for t in targets if (c := choices[t.key]).tag
    )
    return _Early(tags, choices), list(wanted)


def _created(
    app: App,
    active: Sequence[planning.Target],
    policies: Mapping[str, Policy],
    tags: Mapping[ImageRef, list[str] | GitOpsBotError],
) -> dict[tuple[str, str], dict[str, datetime]]:
    """Created times of the candidate tags, for the policies that order by them."""
    created: dict[tuple[str, str], dict[str, datetime]] = {}
    wanted = {
        (t.image, tag)
        for t in active
        if policies[t.image.name].needs_created_time
        and not isinstance(tags.get(t.image.repository), GitOpsBotError)
        for tag in policies[t.image.name].candidates(
            _ok(tags[t.image.repository]), t.deployed.tag if t.deployed else None
        )
    }
    if wanted:
        for (img, tag), meta in _metadata(app, wanted).items():
            if isinstance(meta, ImageMetadata) and meta.created:
                created.setdefault((img.name, str(img.repository)), {})[tag] = meta.created
    return created


def _aged(
    app: App,
    active: Sequence[planning.Target],
    policies: Mapping[str, Policy],
    tags: Mapping[ImageRef, list[str] | GitOpsBotError],
    created: Mapping[tuple[str, str], Mapping[str, datetime]],
    choices: Mapping[tuple[str, str], Choice],
    seen: Sightings | None,
    at: datetime | None = None,
) -> dict[tuple[str, str], AgeVerdict | GitOpsBotError]:
    """For the targets with a ``min_age``: the best candidate old enough, and the one waiting.
    Ages are read only here, only for these images, best first, stopping at the first image
    old enough (or at the deployed one); the registry pool keeps them by config digest. In an
    environment that delivers by pull request, the forge's record ages what no publisher-free
    clock does (read here, once, before the walks run in the pool)."""
    now = at or app.clock()
    walks = {}
    clocks: dict[tuple[str, str], ForgeClock] = {}
    for t in active:
        choice, span = choices.get(t.key), t.min_age
        if span is None or choice is None or choice.tag is None:
            continue
        policy, times = policies[t.image.name], created.get((t.image.name, str(t.image.repository)))
        order = policy.newer_first(
            _ok(tags.get(t.image.repository)), t.deployed.tag if t.deployed else None, choice.tag, times
        )
        walks[t.key] = (t, tuple(order), span)
        if app.config.environment(t.environment.name).write is WriteMode.PULL_REQUEST:
            recorded = seen(*t.key) if seen is not None else None
            spec = app.config.verification(t.image.name, t.environment.name)
            vetting = app.vetting.push_times.has_api(t.image.repository.registry) or bool(
                spec and spec.keyless
            )
            age = _age()
            unread: type[Unread] = age.Unread
            if isinstance(recorded, unread):
                clocks[t.key] = age.ForgeClock({}, read=False, vetting=vetting, unread=recorded.why)
            else:
                clocks[t.key] = age.ForgeClock(recorded or {}, read=recorded is not None, vetting=vetting)

    def walk(key: tuple[str, str]) -> AgeVerdict:
        t, order, span = walks[key]
        repo = t.image.repository
        verdict: AgeVerdict = _age().old_enough(
            order,
            lambda tag: app.vetting.image_age(
                repo,
                tag,
                t.image.platform,
                lambda digest: app.vetting.logged_at(t.environment.name, t.image, repo, digest),
            ),
            span,
            now,
            t.deployed.digest if t.deployed else None,
            clocks.get(key),
            t.deployed.tag if t.deployed else None,
        )
        return verdict

    return _gather(app, walks, walk, what="reading image ages")


def _age() -> ModuleType:
    return importlib.import_module(MIN_AGE)


def _candidates(
    app: App,
    active: Sequence[planning.Target],
    tags: dict[ImageRef, list[str] | GitOpsBotError],
    choices: dict[tuple[str, str], Choice],
    resolved: Mapping[_DigestKey, str | GitOpsBotError],
) -> _Found:
    """Resolve one digest per chosen (repository, tag, platform) not ``resolved`` already: the
    candidates."""
    wanted_digests = {
        (t.image.repository, c.tag, t.image.platform) for t in active if (c := choices.get(t.key)) and c.tag
    }
    digests = {
        **resolved,
        **_gather(
            app,
            wanted_digests - resolved.keys(),
            lambda k: _resolve(app, k),
            what="resolving digests",
        ),
    }
    candidates: dict[tuple[str, str], Candidate] = {}
    for t in active:
        c = choices.get(t.key)
        if c and c.tag:
            d = digests.get((t.image.repository, c.tag, t.image.platform))
            if isinstance(d, str):
                candidates[t.key] = Candidate(c.tag, d)
    return _Found(tags, choices, digests, candidates)


def _resolve(app: App, key: _DigestKey) -> str:
    """The digest of a (repository, tag, platform)."""
    repository, tag, platform = key
    return app.registry(repository.registry).resolve_digest(repository.repository, tag, platform)


def _add_metadata(
    app: App, active: Sequence[planning.Target], candidates: dict[tuple[str, str], Candidate]
) -> None:
    """Attach the created time and labels of each candidate that changes a digest."""
    changing = {
        (t.image, str(candidates[t.key].digest))
        for t in active
        if t.key in candidates and candidates[t.key].digest != (t.deployed.digest if t.deployed else None)
    }
    metas = _metadata(app, changing)
    for key, cand in list(candidates.items()):
        img_cfg = app.config.image(key[1])
        found_meta = metas.get((img_cfg, str(cand.digest))) if img_cfg else None
        if isinstance(found_meta, ImageMetadata):
            candidates[key] = Candidate(cand.tag, cand.digest, found_meta)


def _environment_plan(
    app: App,
    env: EnvironmentConfig,
    reading: EnvironmentReading,
    targets: Sequence[planning.Target],
    found: _Found,
    held: Mapping[str, str],
    at: datetime | None = None,
) -> EnvironmentPlan:
    items: list[PlanItem] = []
    promoted = env.mode is EnvironmentMode.PROMOTION and env.promote_from
    source = app.config.environment(env.promote_from) if promoted and env.promote_from else None
    # what the promotion source renders, whether or not it is planned in this run
    runs = None if source is None else {r.image for r in app.reading(source).images if r.effective}
    for t in targets:
        item = _item(t, found)
        if runs is not None and t.deployed is not None and t.image.name not in runs:
            item = planning.not_promotable(t)
        if t.key in found.verdicts and item.action is PlanAction.UPDATE:
            item = planning.verified(item, found.verdicts[t.key])
        if t.image.name in held and t.deployed is not None:
            item = planning.held(
                item, held[t.image.name], promoted=t.environment.mode is EnvironmentMode.PROMOTION
            )
        items.append(item)
    now = at or app.clock()
    deferred = windows.deferral(env.windows, now)
    window = {**deferred.as_json(), "until_text": deferred.until_text()} if deferred else None
    freezes.guard(app.root, app.config.root)
    freeze = freezes.shown(app.config.root, env.name, now)
    frozen = (
        {
            "until": freezes.utc_text(freeze.until),
            "reason": freeze.reason,
            "expired": not freeze.active(now),
            "all_environments": freeze.everywhere,  # the stopped line, the same under each one
        }
        if freeze
        else None
    )
    return EnvironmentPlan(
        env.name,
        env.mode,
        tuple(items),
        env.promote_from,
        window=window,
        freeze=frozen,
        reading=reading.images,
        generated=reading.generated,
        branch=env.branch,
        said=reading.said,
    )


def _item(t: planning.Target, found: _Found) -> PlanItem:
    if t.deployed is None:
        return planning.not_deployed(t)
    if t.environment.mode is EnvironmentMode.PROMOTION:
        return planning.promotion_only(t)
    listed = found.tags.get(t.image.repository)
    if isinstance(listed, GitOpsBotError):
        return planning.skipped(t, str(listed))
    choice = found.choices[t.key]
    aged = found.aged.get(t.key)
    if isinstance(aged, GitOpsBotError):
        return planning.skipped(t, str(aged))
    if aged is not None and aged.tag is None:
        return replace(planning.waiting(t, aged.waiting), sightings=aged.sightings)
    if choice.tag and t.key not in found.candidates:
        err = found.digests.get((t.image.repository, choice.tag, t.image.platform))
        return planning.skipped(t, str(err) if err else f"could not resolve {choice.tag}")
    item = planning.decide(t, choice, found.candidates.get(t.key))
    if aged is None:
        return item
    item = replace(item, sightings=aged.sightings)
    if aged.waiting is None:
        return item
    # the reason carries it too: the PR body's "Why", the notification and the text plan say it
    said = aged.waiting.describe()
    if aged.waiting.proposed:
        said = said.removeprefix(f"{aged.waiting.tag} proposed, ")
        if aged.newer is not None:
            said += f"; newer {aged.newer.describe()}"
        return replace(item, waiting=aged.waiting, reason=f"{item.reason}; {said}")
    return replace(item, waiting=aged.waiting, reason=f"{item.reason}; newer {said}")


def _verify(
    app: App, active: Sequence[planning.Target], releases: dict[tuple[str, str], Candidate]
) -> dict[tuple[str, str], Verification]:
    """Verdicts for the digests that would change what an environment runs."""
    wanted = {}
    for t in active:
        rel = releases.get(t.key)
        if rel is None or rel.digest is None or (t.deployed and rel.digest == t.deployed.digest):
            continue
        if app.config.verification(t.image.name, t.environment.name) is not None:
            wanted[t.key] = (t.environment.name, t.image, rel.digest)
    found = _gather(
        app, set(wanted.values()), lambda k: app.vetting.verify(k[0], k[1], k[1].repository, k[2])
    )
    out = {}
    for key, k in wanted.items():
        v = found[k]
        out[key] = v if isinstance(v, Verification) else Verification(False, f"cannot verify: {v}")
    return out


def _metadata(
    app: App, keys: Iterable[tuple[planning.ImageSettings, str]]
) -> dict[tuple[planning.ImageSettings, str], ImageMetadata | GitOpsBotError]:
    """Config-blob metadata for (image, tag or digest) pairs, concurrently."""
    return _gather(
        app,
        keys,
        lambda it: app.registry(it[0].repository.registry).get_metadata(
            it[0].repository.repository, it[1], it[0].platform
        ),
        what="reading image metadata",
    )


def _ok(value: list[str] | GitOpsBotError | None) -> list[str]:
    return value if isinstance(value, list) else []
