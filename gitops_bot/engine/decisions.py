"""Every plan item's decision, from what the run reads once: each environment's freeze and
window, its gate (Argo CD, one read per Application), its metrics gates (one client for the
run), its automatic rollback and soak (git's history and the gates' records), and what a
promotion's source runs. The deciding is
:func:`gitops_bot.release.decision.decide`'s; this module only gathers, so ``plan``, ``status``,
the page and the dashboard render one value and never their own reading.

One source failing hides nothing else: a gate that cannot be read leaves its cell unknown
(status says why) and the decisions that need it say so too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable
from gitops_bot.core.instants import outside_instant
from gitops_bot.core.model import ArtifactKind, Deployed, EnvironmentMode, Plan, PlanAction, WriteMode
from gitops_bot.engine import auto as rules
from gitops_bot.engine.app import App
from gitops_bot.engine.history import chart_specs
from gitops_bot.engine.measures import Measures
from gitops_bot.engine.results import Gate, Unknown
from gitops_bot.gate import argocd
from gitops_bot.git.gitlog import Checkout
from gitops_bot.release import decision, freezes, ledger, promotion, windows
from gitops_bot.release.decision import Facts, GateReading
from gitops_bot.release.planning import Target

if TYPE_CHECKING:
    from gitops_bot.release.ledger import Entry


@dataclass(frozen=True, slots=True)
class Decided:
    """The plan with every item decided, and the gates read on the way (by environment)."""

    plan: Plan
    gates: Mapping[str, Gate | Unknown]


def decided(
    app: App, plan: Plan, environ: Mapping[str, str], forge: Callable[[], object | None] | None = None
) -> Decided:
    """``forge``: the repository's forge for a checks gate (default: from the checkout's origin)."""
    envs = [app.config.environment(ep.name) for ep in plan.environments]
    sources = {e.name: _source(app, e) for e in envs}
    gated = [
        g
        for g in dict.fromkeys([*envs, *(s for s in sources.values() if s is not None)])
        if g.applications is not None
    ]
    client, gates = _gates(app, gated, environ)
    measures = Measures(app, environ, forge)
    try:
        facts = {e.name: _facts(app, e, sources[e.name], gates, client, measures) for e in envs}
    finally:
        if client is not None:
            client.close()
        measures.close()
    out = []
    for ep in plan.environments:
        f, auto = facts[ep.name]
        src = sources[ep.name]
        promoted = _promoted(app, src) if src is not None else {}
        held = app.held(ep.name)
        moving = tuple(
            (i.image, held.get(i.image) or "no reason given")
            for i in ep.items
            if i.action is PlanAction.HELD and decision.promotes(i, promoted.get((i.kind, i.image)))
        )
        f = replace(f, held_moving=moving)
        items = tuple(
            replace(i, decision=decision.decide(i, f, promoted.get((i.kind, i.image)) if src else None))
            for i in ep.items
        )
        out.append(replace(ep, items=items, automatic=tuple(auto)))
    return Decided(Plan(tuple(out)), gates)


def _source(app: App, env: EnvironmentConfig) -> EnvironmentConfig | None:
    """The environment ``env`` receives promotions from (None: it takes registry updates)."""
    if env.auto_promote is not None:
        return app.config.environment(env.auto_promote.source or str(env.promote_from))
    if env.mode is EnvironmentMode.PROMOTION and env.promote_from:
        return app.config.environment(env.promote_from)
    return None


def _promoted(app: App, src: EnvironmentConfig) -> dict[tuple[ArtifactKind, str], Deployed]:
    out: dict[tuple[ArtifactKind, str], Deployed] = {
        (ArtifactKind.IMAGE, t.image.name): t.deployed for t in app.targets(src) if t.deployed is not None
    }
    for t in app.chart_targets(src):
        if t.version is not None and t.exact:
            out[(ArtifactKind.CHART, t.chart.name)] = Deployed(t.chart.name, None, t.version, None)
    return out


def _gates(
    app: App, envs: Sequence[EnvironmentConfig], environ: Mapping[str, str]
) -> tuple[Any, dict[str, Gate | Unknown]]:
    """Each gated environment's Application, read once through one client, judged as the
    promotion gate judges it for what git declares there."""
    if not envs:
        return None, {}

    try:
        client = argocd.ArgoCD(app.config.argocd, environ)
    except GitOpsBotError as exc:
        return None, {e.name: Unknown.of(exc) for e in envs}
    out: dict[str, Gate | Unknown] = {}
    for env in envs:
        apps = env.applications
        assert apps is not None
        wanted = [
            argocd.Wanted(t.image.name, location(app, t), t.deployed.tag, t.deployed.digest)
            for t in app.targets(env)
            if t.deployed is not None
        ]
        try:
            verdict = client.verdict(apps, wanted)
        except GitOpsBotError as exc:
            out[env.name] = Unknown.of(exc)
            continue
        out[env.name] = Gate(
            str(apps),
            verdict.evidence.state,
            verdict.evidence.images,
            verdict.reasons,
            parts=tuple(Gate(n, v.evidence.state, v.evidence.images, v.reasons) for n, v in verdict.parts),
        )
    return client, out


def location(app: App, t: Target) -> str:
    """Where ``t``'s environment pulls its image from (what Argo CD reports running)."""

    img = app.config.image(t.image.name)
    if img is None or t.deployed is None:
        return str(t.image.repository.location)
    return promotion.location(img, t.deployed).location


def reading(env: EnvironmentConfig | None, gates: Mapping[str, Gate | Unknown]) -> GateReading | None:
    """The decision's view of an environment's gate (None: it names no Application)."""
    if env is None or env.applications is None:
        return None
    g = gates.get(env.name)
    if g is None:
        return None
    if isinstance(g, Unknown):
        return GateReading(str(env.applications), False, g.reason, known=False)
    state = f"{g.state.sync}, {g.state.health}"
    return GateReading(g.application, g.open, "; ".join(g.reasons) if g.reasons else state)


def _facts(
    app: App,
    env: EnvironmentConfig,
    src: EnvironmentConfig | None,
    gates: Mapping[str, Gate | Unknown],
    client: Any,
    measures: Measures,
) -> tuple[Facts, list[dict[str, Any]]]:
    """``env``'s facts, and its automatic rules' decisions as plan's JSON has always shown them."""
    now = app.clock()
    lands = env.write is WriteMode.COMMIT or bool(app.config.pull_request.auto_merge)
    freezes.guard(app.root, app.config.root)
    latest = _latest(app)
    facts = Facts(
        env.name,
        promote_from=src.name if src is not None else None,
        freeze=freezes.in_force(app.config.root, env.name, now),
        # a window holds back only what lands by itself: commits, and auto-merge
        window=windows.deferral(env.windows, now) if lands else None,
        commits=env.write is WriteMode.COMMIT,
        auto_promote=env.auto_promote is not None,
        gate=reading(env, gates),
        source_gate=reading(src, gates),
        # each gate read since the environment's newest release: since when it holds, or fails
        metrics=measures.promotion(env, _released(env, latest)),
        source_metrics=measures.promotion(src, _released(src, latest)) if src is not None else (),
        now=now,
    )
    auto: list[dict[str, Any]] = []
    if not (env.auto_rollback or env.auto_promote):
        return facts, auto

    if client is None:
        gate = gates.get(env.name) or (gates.get(src.name) if src else None)
        why = gate.reason if isinstance(gate, Unknown) else "Argo CD could not be asked"
        auto.append({"rule": "automation", "ready": False, "held": [why]})
        return replace(facts, automation=why), auto
    try:
        if env.auto_rollback is not None and (
            verdict := rules.verdict_of(app, client, env, latest, measures)
        ):
            auto.append(verdict.to_json())
            facts = replace(facts, rollback=verdict)
        if env.auto_promote is not None and (soaked := rules.soak_of(app, client, env, latest, measures)):
            auto.append(soaked.to_json())
            facts = replace(facts, soak=soaked)
    except ServiceUnavailable as exc:
        auto.append({"rule": "automation", "ready": False, "held": [str(exc)]})
        facts = replace(facts, automation=str(exc))
    return facts, auto


def _released(env: EnvironmentConfig, latest: Callable[[str], Entry | None]) -> datetime | None:
    """When ``env``'s newest release was made (None: it has no metrics gates, or no release)."""
    if not env.metrics_gates:
        return None
    entry = latest(env.name)
    return outside_instant(entry.time, "release history") if entry else None


def _latest(app: App) -> Callable[[str], Entry | None]:
    """An environment's newest release in the checkout's history (None: none). Imports on the
    first question: most runs ask none, and a plan must not load the history's reader."""
    read: dict[str, Entry | None] = {}
    checkout: list[Any] = []

    def latest(name: str) -> Entry | None:
        if name not in read:
            if not checkout:
                checkout.append(Checkout(app.root))
            env = app.config.environment(name)
            paths = app.repo_paths(env, app.root)
            entries = ledger.read(
                checkout[0], "HEAD", paths, app.image_specs(), limit=1, charts=chart_specs(app, env)
            )
            read[name] = entries[0] if entries else None
        return read[name]

    return latest
