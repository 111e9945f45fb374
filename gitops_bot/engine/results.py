"""What the use cases return and the presentation shows: the typed results of ``status``
(:class:`Status`, its :class:`Row` and cells), of a fleet run (:class:`RepositoryResult`) and
of ``set-image`` (:class:`SetImageResult`). They live below both :mod:`gitops_bot.commands`,
which makes them, and :mod:`gitops_bot.output`, which renders them, so neither imports the
other for a type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.instants import format_instant
from gitops_bot.core.log import redact
from gitops_bot.core.model import (
    ArtifactKind,
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanItem,
    WrittenRef,
)
from gitops_bot.core.reading import ImageReading
from gitops_bot.core.record import record
from gitops_bot.manifests.edit import FieldChange

if TYPE_CHECKING:  # types only: plan and status import no forge client
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.forges.forge import ChangeRequest
    from gitops_bot.gate.port import State, Verdict
    from gitops_bot.release.decision import Step
    from gitops_bot.release.ledger import Entry

SCHEMA = "gitops-bot/status/v1"

# the exit code of a run over many repositories is the worst of theirs: a bug, then bad
# config or input, then a service down, then a refusal
_SEVERITY = {1: 4, 2: 3, 3: 2, 4: 1, 0: 0}


@record(frozen=False, slots=False)
class RepositoryResult:
    repository: str
    exit_code: int = 0
    error: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "exit_code": self.exit_code,
            "error": self.error,
            "changed": any(o.action.changed for o in self.outcomes),
            "results": [o.to_json() for o in self.outcomes],
        }


def worst(codes: Sequence[int]) -> int:
    return max(codes, key=lambda c: _SEVERITY.get(c, 4), default=0)


@record
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


@record
class GateStatus:
    """An environment's Application as Argo CD reports it, and whether the promotion gate
    would pass for what git declares there (``reasons`` empty: open)."""

    application: str
    state: State
    live: tuple[WrittenRef, ...]
    reasons: tuple[str, ...]
    parts: tuple[GateStatus, ...] = ()  # each application's own, when several gate the environment

    @classmethod
    def of(cls, application: str, verdict: Verdict) -> GateStatus:
        """Argo CD's verdict (:meth:`gitops_bot.engine.gates.RunGates.argocd`) as status shows
        it: a view of the one reading the decision judges too."""
        parts = tuple(cls.of(name, v) for name, v in verdict.parts)
        return cls(application, verdict.evidence.state, verdict.evidence.images, verdict.reasons, parts)

    @property
    def open(self) -> bool:
        return not self.reasons


@record
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
    gate: GateStatus | Unknown | None
    kind: ArtifactKind = ArtifactKind.IMAGE
    source: str | None = None  # the environment it receives promotions from (the page's order)
    # the rules behind its decision, in precedence order (explain's; empty: not decided)
    chain: tuple[Step, ...] = ()
    # how the environment renders the image (None: a chart, or not read): the declared cell's words
    reading: ImageReading | None = None

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
            "decision": _decision_json(self.plan),
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
        return {
            "state": "unknown",
            "action": None,
            "reason": item.reason,
            "candidate": None,
        }
    c = item.candidate
    return {
        "state": "known",
        "action": str(item.action),
        "reason": item.reason,
        "candidate": None if c is None else {"tag": c.tag, "digest": c.digest},
        "policy": item.policy,
        "verification": item.verification.to_json() if item.verification else None,
    }


def _decision_json(item: PlanItem | Unknown) -> dict[str, Any] | None:
    """The run's decision, as plan shows it (an unknown plan: a skip saying why)."""
    if isinstance(item, Unknown):
        return Decision(DecisionAction.SKIP, DecisionRule.ERROR, item.reason).to_json()
    return item.decision.to_json() if item.decision else None


def _pr_json(pr: ChangeRequest | Unknown | None) -> dict[str, Any]:
    if isinstance(pr, Unknown):
        return {"state": "unknown", "reason": pr.reason}
    if pr is None:
        return {"state": "none"}
    return {
        "state": "open",
        "number": pr.number,
        "url": pr.url,
        "title": pr.title,
        "branch": pr.head,
        **({"opened": format_instant(pr.opened)} if pr.opened else {}),
    }


def _gate_json(gate: GateStatus | Unknown | None) -> dict[str, Any]:
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
        **({"applications": [_gate_json(part) for part in gate.parts]} if gate.parts else {}),
    }


@record
class Status:
    rows: tuple[Row, ...]
    # each environment's recent releases, newest first (the page's history; absent: not read)
    releases: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    # each environment's next change (explain's): the image, and when and to what it changes
    next: Mapping[str, tuple[str, NextChange]] = field(default_factory=dict)
    # each configured image as its environment renders it (the reader's, as plan shows it)
    reading: tuple[ImageReading, ...] = ()

    @property
    def unknown(self) -> tuple[Unknown, ...]:
        """Each distinct failure once, in the order the rows meet them."""
        return tuple(dict.fromkeys(u for r in self.rows for u in r.unknown))

    @property
    def exit_code(self) -> int:
        return worst([u.exit_code for u in self.unknown])

    def to_json(self) -> dict[str, Any]:
        releases = {env: [e.to_json() for e in found] for env, found in self.releases.items()}
        return {
            "schema": SCHEMA,
            "complete": not self.unknown,
            "rows": [r.to_json() for r in self.rows],
            **({"releases": releases} if releases else {}),  # additive: where history was read
            # additive, where something was read: a status of nothing stays what it was
            **({"reading": [r.to_json() for r in self.reading]} if self.reading else {}),
        }


@record
class NextChange:
    """The decision an item has from ``at`` on (``explain``'s next change), and what ends or
    begins then."""

    at: datetime
    decision: Decision
    because: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": format_instant(self.at),
            "because": list(self.because),
            "decision": self.decision.to_json(),
        }


@record
class SetImageResult:
    """One file's text before and after; ``written`` when the new text is on disk."""

    path: Path
    before: str
    after: str
    changes: tuple[FieldChange, ...]
    written: bool

    @property
    def changed(self) -> bool:
        return self.after != self.before
