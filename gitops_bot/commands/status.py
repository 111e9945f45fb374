"""``gitops-bot status``: one row per environment and image (and Helm chart), for the people
who run them.

Each row puts side by side what git declares (the overlays at the base, read as ``plan`` reads
them), what the cluster reports through the gate (Argo CD's live images and the Application's
sync, health and operation), what the plan would do and why (the plan's own items, from
:func:`gitops_bot.commands.plan.plan`: status decides nothing itself), and the bot's open pull
request for that environment (the forge's open PRs, asked once). Read-only: no branch, push or
pull request.

One source failing never hides the others: the plan is asked per registry host, the gate per
Application, the forge once, and a source that fails leaves its cells :class:`Unknown` with the
one-line reason, while the rest is shown. The run's exit code is then the worst of those
failures' (the fleet's rule, ``docs/reference/exit-codes.md``), so a script notices.

A chart's row has its declared version (as a tag), the plan's chart item and the open pull
request; the cluster's live images say nothing of a chart, so its cluster cell does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_bot.commands import chart_plan
from gitops_bot.commands.fleet import worst
from gitops_bot.commands.plan import gather, plan
from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.log import redact
from gitops_bot.core.model import ArtifactKind, Deployed, EnvironmentMode, PlanItem, ReleaseKind, WrittenRef
from gitops_bot.engine.app import App
from gitops_bot.engine.session import Session
from gitops_bot.gate import argocd
from gitops_bot.release import promotion
from gitops_bot.release.planning import ChartTarget, Target
from gitops_bot.release.proposal import Release
from gitops_bot.scm.forge import ChangeRequest

SCHEMA = "gitops-bot/status/v1"
_CHARTS = "charts"  # the key of the chart versions' ask when it fails as a whole


@dataclass(frozen=True)
class Unknown:
    """A cell its source could not answer: why, in one line, and that failure's exit code."""

    reason: str
    exit_code: int
    hint: str | None = None  # what to do, for the error line (the cell keeps to the reason)

    @classmethod
    def of(cls, exc: GitOpsBotError) -> Unknown:
        def line(text: str) -> str:  # one line whatever the source answered
            return " ".join(redact(text).split())

        return cls(line(exc.message), exc.exit_code, line(exc.hint) if exc.hint else None)

    @property
    def detail(self) -> str:
        return f"{self.reason}; {self.hint}" if self.hint else self.reason


@dataclass(frozen=True)
class Gate:
    """An environment's Application as Argo CD reports it, and whether the promotion gate
    would pass for what git declares there (``reasons`` empty: open)."""

    application: str
    state: argocd.State
    live: tuple[WrittenRef, ...]
    reasons: tuple[str, ...]

    @property
    def open(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Row:
    """One image (or chart: ``kind``, ``image`` is then its name and ``declared.tag`` its
    version) in one environment. ``gate`` None: the environment names no Application."""

    environment: str
    image: str
    file: str
    declared: Deployed | None
    location: str  # where the environment pulls the image from (what Argo CD reports)
    plan: PlanItem | Unknown
    pull_request: ChangeRequest | Unknown | None
    gate: Gate | Unknown | None
    kind: ArtifactKind = ArtifactKind.IMAGE

    @property
    def live(self) -> tuple[WrittenRef, ...] | Unknown | None:
        """The images of this repository the cluster reports running (None: no gate, or a
        chart, which no live image reports)."""
        if self.kind is ArtifactKind.CHART:
            return None
        if self.gate is None or isinstance(self.gate, Unknown):
            return self.gate
        return tuple(r for r in self.gate.live if r.location == WrittenRef(self.location).location)

    @property
    def runs_declared(self) -> bool | None:
        """Whether the cluster runs what git declares (the gate's rule); None: not known."""
        live = self.live
        if live is None or isinstance(live, Unknown) or self.declared is None:
            return None
        d = self.declared
        if d.digest:
            return any(r.digest == d.digest for r in live)
        return any(r.tag is not None and r.tag == d.tag for r in live)

    @property
    def unknown(self) -> tuple[Unknown, ...]:
        return tuple(c for c in (self.plan, self.pull_request, self.gate) if isinstance(c, Unknown))

    def to_json(self) -> dict[str, Any]:
        d = self.declared
        declared: dict[str, Any] | None = None
        if d is not None:
            declared = {"file": self.file, "repository": d.repository, "tag": d.tag, "digest": d.digest}
            if self.kind is ArtifactKind.CHART:
                declared["version"] = d.tag
        return {
            "environment": self.environment,
            "kind": str(self.kind),
            "image": self.image,
            "declared": declared,
            "cluster": self._cluster_json(),
            "plan": _plan_json(self.plan),
            "pull_request": _pr_json(self.pull_request),
            "gate": _gate_json(self.gate),
        }

    def _cluster_json(self) -> dict[str, Any]:
        live = self.live
        if self.kind is ArtifactKind.CHART:
            return {"state": "not_applicable", "images": [], "runs_declared": None, "reason": None}
        if live is None:
            return {"state": "no_gate", "images": [], "runs_declared": None, "reason": None}
        if isinstance(live, Unknown):
            return {"state": "unknown", "images": [], "runs_declared": None, "reason": live.reason}
        return {
            "state": "reported",
            "images": [r.format() for r in live],
            "runs_declared": self.runs_declared,
            "reason": None,
        }


def _plan_json(item: PlanItem | Unknown) -> dict[str, Any]:
    if isinstance(item, Unknown):
        return {"state": "unknown", "action": None, "reason": item.reason, "candidate": None}
    c = item.candidate
    return {
        "state": "known",
        "action": str(item.action),
        "reason": item.reason,
        "candidate": None if c is None else {"tag": c.tag, "digest": c.digest},
        "policy": item.policy,
        "verification": item.verification.to_json() if item.verification else None,
    }


def _pr_json(pr: ChangeRequest | Unknown | None) -> dict[str, Any]:
    if isinstance(pr, Unknown):
        return {"state": "unknown", "reason": pr.reason}
    if pr is None:
        return {"state": "none"}
    return {"state": "open", "number": pr.number, "url": pr.url, "title": pr.title, "branch": pr.head}


def _gate_json(gate: Gate | Unknown | None) -> dict[str, Any]:
    if gate is None:
        return {"state": "no_gate"}
    if isinstance(gate, Unknown):
        return {"state": "unknown", "reason": gate.reason}
    return {
        "state": "open" if gate.open else "closed",
        "application": gate.application,
        "sync": gate.state.sync,
        "health": gate.state.health,
        "operation": gate.state.operation,
        "reasons": list(gate.reasons),
    }


@dataclass(frozen=True)
class Status:
    rows: tuple[Row, ...]

    @property
    def unknown(self) -> tuple[Unknown, ...]:
        """Each distinct failure once, in the order the rows meet them."""
        return tuple(dict.fromkeys(u for r in self.rows for u in r.unknown))

    @property
    def exit_code(self) -> int:
        return worst([u.exit_code for u in self.unknown])

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "complete": not self.unknown, "rows": [r.to_json() for r in self.rows]}


def status(s: Session, env_names: Sequence[str] | None = None) -> Status:
    app = s.app
    envs = app.environments(env_names)
    targets = {env.name: app.targets(env) for env in envs}
    items = _plan_items(app, [e.name for e in envs])
    pulls = _open_pulls(s)
    gates = _gates(app, envs, targets, s.environ)
    rows = []
    for env in envs:
        for t in targets[env.name]:
            rows.append(
                Row(
                    environment=env.name,
                    image=t.image.name,
                    file=t.file,
                    declared=t.deployed,
                    location=_location(app, t),
                    plan=items.get(t.key) or _missing(items, t),
                    pull_request=_pull_request(app, pulls, env.name, t.image.name),
                    gate=gates.get(env.name),
                )
            )
        rows += [_chart_row(app, t, items, pulls, gates.get(env.name)) for t in app.chart_targets(env)]
    return Status(tuple(rows))


def _chart_row(
    app: App,
    t: ChartTarget,
    items: Mapping[object, PlanItem | Unknown],
    pulls: dict[str, ChangeRequest] | Unknown,
    gate: Gate | Unknown | None,
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
    )


def _missing(items: Mapping[object, PlanItem | Unknown], t: Target) -> Unknown:
    promoted = t.environment.mode is EnvironmentMode.PROMOTION
    found = items.get(None if promoted else t.image.repository.registry)
    return found if isinstance(found, Unknown) else Unknown(f"the plan has no item for {t.image.name}", 1)


def _plan_items(app: App, env_names: list[str]) -> dict[object, PlanItem | Unknown]:
    """The plan's items by (environment, image), asked one registry host at a time: a host that
    stays unavailable leaves its images unknown (keyed by the host) and the others planned."""
    by_host: dict[str, list[str]] = {}
    for img in app.config.images:
        by_host.setdefault(img.repository.registry, []).append(img.name)
    envs = app.environments(env_names)
    # environments that receive promotions ask no registry: planned apart, they never wait on one
    promoted = [e.name for e in envs if e.mode is EnvironmentMode.PROMOTION]
    registry = [e.name for e in envs if e.mode is not EnvironmentMode.PROMOTION]
    asks: list[tuple[str | None, list[str], list[str] | None]] = [(None, promoted, None)] if promoted else []
    asks += [(host, registry, names) for host, names in by_host.items()] if registry else []
    out: dict[object, PlanItem | Unknown] = {}
    for host, names_of_envs, images in asks:
        try:
            p = plan(app, names_of_envs, images=images)
        except GitOpsBotError as exc:
            out[host] = Unknown.of(exc)
            continue
        out.update({(i.environment, i.image): i for e in p.environments for i in e.items})
    if registry and app.config.charts:
        # the per-host asks are targeted (images named), which plan no charts: charts apart
        try:
            charts = chart_plan.plan_charts(app, app.environments(registry), None, gather)
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


def _location(app: App, t: Target) -> str:
    img = app.config.image(t.image.name)
    if img is None or t.deployed is None:
        return t.image.repository.location
    return promotion.location(img, t.deployed).location


def _gates(
    app: App,
    envs: Sequence[EnvironmentConfig],
    targets: Mapping[str, list[Target]],
    environ: Mapping[str, str],
) -> dict[str, Gate | Unknown]:
    """Each gated environment's Application, read once; one client for all of them."""
    gated = [e for e in envs if e.argocd_application]
    if not gated:
        return {}
    try:
        client = argocd.ArgoCD(app.config.argocd, environ)
    except GitOpsBotError as exc:
        return {e.name: Unknown.of(exc) for e in gated}
    out: dict[str, Gate | Unknown] = {}
    try:
        for env in gated:
            name = str(env.argocd_application)
            wanted = [
                argocd.Wanted(t.image.name, _location(app, t), t.deployed.tag, t.deployed.digest)
                for t in targets[env.name]
                if t.deployed is not None
            ]
            try:
                verdict = client.verdict(name, wanted)
            except GitOpsBotError as exc:
                out[env.name] = Unknown.of(exc)
                continue
            out[env.name] = Gate(name, verdict.evidence.state, verdict.evidence.images, verdict.reasons)
    finally:
        client.close()
    return out
