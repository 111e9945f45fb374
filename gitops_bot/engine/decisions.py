"""Every plan item's decision, from what the run reads once: each environment's freeze and
window, its gate (Argo CD, one read per Application), its metrics gates (one client for the
run), its automatic rollback and soak (git's history and the gates' records), and what a
promotion's source runs. The deciding is
:func:`gitops_bot.release.decision.decide`'s; this module only gathers, so ``plan``, ``status``,
the page and the dashboard render one value and never their own reading.

One source failing hides nothing else: a gate that cannot be read leaves its cell unknown
(status says why) and the decisions that need it say so too.

What is read is kept apart from the instant it is judged at (:class:`Readings`): ``explain``
decides at a later instant, and at the instants its decision changes, from the same readings
and the same code, never from a copy of this gathering.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import ServiceUnavailable
from gitops_bot.core.instants import outside_instant
from gitops_bot.core.model import (
    ArtifactKind,
    Deployed,
    EnvironmentMode,
    Plan,
    PlanAction,
    PlanItem,
    WriteMode,
)
from gitops_bot.core.record import record
from gitops_bot.engine import branches
from gitops_bot.engine.app import App
from gitops_bot.engine.history import chart_documents, chart_specs
from gitops_bot.release import decision, freezes, ledger, windows
from gitops_bot.release.decision import Automatic, Facts, Step, Undecided

if TYPE_CHECKING:
    from gitops_bot.engine.gates import Forge, RunGates
    from gitops_bot.engine.results import GateStatus, Unknown
    from gitops_bot.release.ledger import Entry


Key = tuple[str, ArtifactKind, str]  # (environment, kind, artifact): one plan item
# The automatic rules (auto_promote's soak, auto_rollback's verdict), imported by name for an
# environment that has one, as the command line's table imports a command: a plan of
# environments without them loads neither rule.
AUTOMATION = "gitops_bot.engine.automation"
# The run's gates (their clients, and what they judge with), imported by name when an
# environment has a gate: a plan of environments without gates loads none of it.
RUN_GATES = "gitops_bot.engine.gates"


def key(i: PlanItem) -> Key:
    """The plan item's key in :attr:`Decided.chains`."""
    return (i.environment, i.kind, i.image)


@record
class Decided:
    """The plan with every item decided, the gates read on the way (by environment), and each
    item's chain of rules (:func:`gitops_bot.release.decision.chain`), whose winner is the
    item's decision."""

    plan: Plan
    gates: Mapping[str, GateStatus | Unknown]
    chains: Mapping[Key, tuple[Step, ...]] = field(default_factory=dict)
    at: datetime | None = None  # the instant decided at (None: the run's now)


def decided(
    app: App,
    plan: Plan,
    environ: Mapping[str, str],
    forge: Forge | None = None,
    *,
    at: datetime | None = None,
) -> Decided:
    """``forge``: the repository's forge for a checks gate (default: from the checkout's origin).
    ``at``: decide at this instant instead of the run's now (see :class:`Readings`)."""
    readings = Readings(app, [ep.name for ep in plan.environments], environ, forge)
    try:
        return readings.decide(plan, at)
    finally:
        readings.close()


class Readings:
    """What a run reads once for its decisions: each environment's gate (Argo CD, one read per
    Application), its metrics, checks and web gates, what a promotion's source runs, the
    holds. :meth:`decide` derives the facts that depend on the instant (a freeze in force, a
    closed window, a soak's end, an automatic rollback's delay) at the instant asked, from
    these readings: the run's now for every surface, another one for ``explain`` (``--at``,
    and the instants its decision changes at), which then reads nothing again and decides
    with the one :func:`~gitops_bot.release.decision.decide`."""

    def __init__(
        self,
        app: App,
        environments: Sequence[str],
        environ: Mapping[str, str],
        forge: Forge | None = None,
        *,
        gates: RunGates | None = None,
        sources: Mapping[str, str | None] | None = None,
        own: bool = True,
        argocd_gate: bool = True,
        automatic: bool = True,
    ) -> None:
        """``sources``: the promotion source of these environments, whatever the configuration
        names (a person's ``promote SRC DST``; None: judged as taking no promotion). ``own``:
        read each environment's own gates (only beside what is up to date do they decide);
        ``argocd_gate``: read Argo CD (not under ``--skip-gate``); ``automatic``: judge the
        automatic rules (a person's command is not theirs). ``gates``: the run's
        (:meth:`gitops_bot.engine.session.Session.gates`; None: these readings' own, read
        through ``forge``, closed with them)."""
        self.app = app
        envs = [app.config.environment(name) for name in environments]
        named = sources or {}
        self._sources = {
            e.name: (
                (app.config.environment(n) if (n := named[e.name]) is not None else None)
                if e.name in named
                else _source(app, e)
            )
            for e in envs
        }
        self._own, self._automatic = own, automatic
        asked = [*(envs if own else ()), *(s for s in self._sources.values() if s is not None)]
        gated = [g for g in dict.fromkeys(asked) if g.applications is not None] if argocd_gate else []
        # the run's gates, made when a gate is first asked (RUN_GATES)
        self._given, self._environ, self._forge = gates, environ, forge
        self._made: RunGates | None = None
        self._gated = {g.name: g for g in gated}
        self._blind = _blind(self._run) if gated else "Argo CD could not be asked"
        self._latest = _latest(app)
        self._promoted: dict[str, dict[tuple[ArtifactKind, str], Deployed]] = {}

    @property
    def _run(self) -> RunGates:
        if self._given is not None:
            return self._given
        if self._made is None:
            gates: type[RunGates] = importlib.import_module(RUN_GATES).RunGates
            self._made = gates(self.app, self._environ, self._forge)
        return self._made

    @property
    def gates(self) -> dict[str, GateStatus | Unknown]:
        """Each gated environment's Argo CD verdict as status shows it (the one the decision
        reads, read once a run)."""
        return {name: self._run.status(env) for name, env in self._gated.items()}

    def close(self) -> None:
        if self._made is not None:
            self._made.close()

    def facts(self, environment: str, at: datetime | None = None) -> tuple[Facts, list[Automatic]]:
        """``environment``'s facts at ``at`` (None: now), and its automatic rules' decisions as
        plan's JSON has always shown them. The gates are read now whatever the instant: only
        what depends on time (a freeze, a window, a soak's end, a rollback's delay) moves with
        it."""
        app, latest = self.app, self._latest
        env = app.config.environment(environment)
        src = self._sources[environment]
        now = at or app.clock()
        lands = env.write is WriteMode.COMMIT or bool(app.config.pull_request.auto_merge)
        freezes.guard(app.root, app.config.root)
        facts = Facts(
            env.name,
            promote_from=src.name if src is not None else None,
            freeze=freezes.in_force(app.config.root, env.name, now),
            # a window holds back only what lands by itself: commits, and auto-merge
            window=windows.deferral(env.windows, now) if lands else None,
            commits=env.write is WriteMode.COMMIT,
            auto_promote=env.auto_promote is not None,
            auto_rollback=env.auto_rollback is not None,
            gate=self._run.argocd(env) if env.name in self._gated else None,
            source_gate=self._run.argocd(src) if src is not None and src.name in self._gated else None,
            # each gate read since the environment's newest release: since when it holds, or fails
            # (read in place, not through a helper: the readings come straight to the chain)
            metrics=self._run.promotion(env, _released(env, latest)) if self._own and _measured(env) else (),
            source_metrics=(
                self._run.promotion(src, _released(src, latest)) if src is not None and _measured(src) else ()
            ),
            now=now,
        )
        auto: list[Automatic] = []
        if not self._automatic or not (env.auto_rollback or env.auto_promote):
            return facts, auto
        if self._blind is not None:
            auto.append(Undecided("automation", (self._blind,)))
            return replace(facts, automation=self._blind), auto
        rules = importlib.import_module(AUTOMATION)
        try:
            run = self._run
            if env.auto_rollback is not None and (verdict := rules.verdict_of(app, run, env, latest, at)):
                auto.append(verdict)
                facts = replace(facts, rollback=verdict)
            if env.auto_promote is not None and (soaked := rules.soak_of(app, run, env, latest, at)):
                auto.append(soaked)
                facts = replace(facts, soak=soaked)
        except ServiceUnavailable as exc:
            auto.append(Undecided("automation", (str(exc),)))
            facts = replace(facts, automation=str(exc))
        return facts, auto

    def promoted(self, environment: str) -> dict[tuple[ArtifactKind, str], Deployed]:
        """What ``environment``'s promotion source runs (empty: it takes registry updates)."""
        src = self._sources[environment]
        if src is None:
            return {}
        if src.name not in self._promoted:
            self._promoted[src.name] = _promoted(self.app, src)
        return self._promoted[src.name]

    def running(self, environment: str) -> dict[tuple[ArtifactKind, str], Deployed]:
        """What ``environment`` itself runs, as a promotion's source is read."""
        return _promoted(self.app, self.app.config.environment(environment))

    def decide(self, plan: Plan, at: datetime | None = None) -> Decided:
        """Every item of ``plan`` decided at ``at`` (None: the run's now)."""
        facts = {}
        for ep in plan.environments:  # a loop: each gate's reading comes straight to the chain
            facts[ep.name] = self.facts(ep.name, at)
        out, chains = [], {}
        for ep in plan.environments:
            f, auto = facts[ep.name]
            promoted = self.promoted(ep.name)
            held = self.app.held(ep.name)
            moving = tuple(
                (i.image, held.get(i.image) or "no reason given")
                for i in ep.items
                if i.action is PlanAction.HELD and decision.promotes(i, promoted.get((i.kind, i.image)))
            )
            f = replace(f, held_moving=moving)
            items = []
            for i in ep.items:
                steps = decision.chain(i, f, promoted.get((i.kind, i.image)) if f.promote_from else None)
                chains[key(i)] = steps
                items.append(replace(i, decision=decision.winner(steps)))
            out.append(replace(ep, items=tuple(items), automatic=tuple(a.to_json() for a in auto)))
        return Decided(replace(plan, environments=tuple(out)), self.gates, chains, at)


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


def _measured(env: EnvironmentConfig) -> bool:
    """``env`` has a gate a promotion from it must pass (metrics, checks, web): without one,
    the run's gates are not asked (nor made) for it."""
    return bool(env.metrics_gates or env.checks_gate is not None or env.web_gates)


def _blind(run: RunGates) -> str | None:
    """Why the automatic rules cannot ask Argo CD this run (None: they can)."""
    failed = run.argocd_failure()
    return failed.reason if failed is not None else None


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

    def latest(name: str) -> Entry | None:
        if name not in read:
            env = app.config.environment(name)
            paths = app.repo_paths(env, app.root)
            entries = ledger.read(
                app.checkout,  # the run's: the history a person's changes were read from
                branches.head(app, env),  # an environment's own branch: its log there
                paths,
                app.declared.image_specs(),
                limit=1,
                charts=chart_specs(app, env),
                documents=chart_documents(app, env, app.root),
                chart_context=app.chart_context(env),
            )
            read[name] = entries[0] if entries else None
        return read[name]

    return latest
