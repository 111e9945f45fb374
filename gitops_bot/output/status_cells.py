"""The words of each cell of the status table, and how each reads (its tone), for every surface
that shows it: the terminal table (:mod:`gitops_bot.output.status_text`), the status page
(:mod:`gitops_bot.output.status_html`) and the dashboard issue (:mod:`.dashboard`). One place, so
they never disagree; each surface decides what a tone looks like (a colour, a CSS class)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import assert_never

from gitops_bot.core.model import (
    ArtifactKind,
    Decision,
    DecisionAction,
    DecisionRule,
    PlanAction,
    short_digest,
)
from gitops_bot.engine.results import GateStatus, Row, Status, Unknown
from gitops_bot.gate.settings import SELECTED
from gitops_bot.output import text
from gitops_bot.output.words import action_of, tally

HEADERS = ("ENVIRONMENT", "IMAGE", "DECLARED", "CLUSTER", "CANDIDATE", "PLAN", "PR", "GATE")


_GATES = (DecisionRule.GATE, DecisionRule.METRICS, DecisionRule.CHECKS, DecisionRule.WEB)


class Tone(StrEnum):
    PLAIN = ""
    STRONG = "strong"  # a heading, the environment
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    HELD = "held"


SAME = "= declared"  # the cell holds what git declares (JSON gives the full references)


def _ref(tag: str | None, digest: str | None) -> str:
    # 8 hex digits: the table's job is telling builds apart at a glance, within a terminal
    short = f"@{short_digest(digest, algorithm=False)[:8]}" if digest else ""
    return f"{tag or ''}{short}" or "(no tag)"


def _declared(row: Row) -> str:
    """What git declares, as plan's row says it (the reading's words where they decide)."""
    d = row.declared
    said = text.read_version(row.reading, d) if row.reading is not None else None
    if said is not None:
        return said
    return "(not deployed)" if d is None else _ref(d.tag, d.digest)


NOT_APPLICABLE = "n/a"  # a chart's cluster cell: Argo CD's live images say nothing of a chart


def _name(row: Row) -> str:
    return f"{row.image} (chart)" if row.kind is ArtifactKind.CHART else row.image


def _cluster(row: Row) -> tuple[str, Tone]:
    if row.kind is ArtifactKind.CHART:
        return NOT_APPLICABLE, Tone.PLAIN
    live = row.live
    if live is None:
        return "no gate", Tone.PLAIN
    if isinstance(live, Unknown):
        return f"unknown: {live.reason}", Tone.BAD
    if not live:
        return "not running", Tone.WARN
    if row.runs_declared and len(live) == 1:
        return SAME, Tone.OK
    shown = ", ".join(_ref(r.tag, r.digest) for r in live)
    return (shown, Tone.PLAIN) if row.runs_declared else (f"{shown} (not declared)", Tone.WARN)


def _candidate(row: Row) -> str:
    if isinstance(row.plan, Unknown):
        return "unknown"
    c, d = row.plan.candidate, row.declared
    if c and d and (c.tag, c.digest) == (d.tag, d.digest):
        return SAME
    return _ref(c.tag, c.digest) if c else "-"


def decision_cell(d: Decision) -> tuple[str, Tone]:
    """How a decision reads on every surface: its text, and a tone that never says "fine"
    beside something that holds the release (a red gate, a freeze, a failing application)."""
    match d.action:
        case DecisionAction.PROPOSE | DecisionAction.PROMOTE:
            return d.text(), Tone.WARN
        case DecisionAction.UP_TO_DATE:
            return d.text(), Tone.BAD if d.rule in _GATES else Tone.OK
        case DecisionAction.WAIT:
            return d.text(), Tone.HELD
        case DecisionAction.BLOCKED:
            return d.text(), Tone.HELD if d.rule in (DecisionRule.HOLD, DecisionRule.FREEZE) else Tone.BAD
        case DecisionAction.ROLLBACK | DecisionAction.UNKNOWN | DecisionAction.SKIP:
            return d.text(), Tone.BAD
        case _ as unreachable:
            assert_never(unreachable)


def _plan(row: Row) -> tuple[str, Tone]:
    item = row.plan
    if isinstance(item, Unknown):
        return f"unknown: {item.reason}", Tone.BAD
    if item.decision is not None:
        return decision_cell(item.decision)
    match item.action:
        case PlanAction.UPDATE:
            return f"would propose: {item.reason}", Tone.WARN
        case PlanAction.NONE:
            return item.reason, Tone.OK
        case PlanAction.HELD:
            return item.reason, Tone.HELD
        case PlanAction.SKIP:
            return f"skipped: {item.reason}", Tone.BAD
        case _ as unreachable:
            assert_never(unreachable)


def _pull_request(row: Row) -> tuple[str, Tone]:
    pr = row.pull_request
    if isinstance(pr, Unknown):
        return f"unknown: {pr.reason}", Tone.BAD
    return ("-", Tone.PLAIN) if pr is None else (f"#{pr.number}", Tone.PLAIN)


def _gate(row: Row) -> tuple[str, Tone]:
    gate = row.gate
    if gate is None:
        return "no gate", Tone.PLAIN
    if isinstance(gate, Unknown):
        return f"unknown: {gate.reason}", Tone.BAD
    if gate.parts:  # several applications: how many pass, and each one that does not by name
        closed = [p for p in gate.parts if not p.open]
        if not closed:
            return f"open ({len(gate.parts)} applications {_states(gate)})", Tone.OK
        each = "; ".join(f"{p.application}: {_states(p)}" for p in closed)
        return f"closed ({len(closed)} of {len(gate.parts)}: {each})", Tone.BAD
    if not gate.parts and gate.reasons and gate.application.startswith(SELECTED):  # a selector matching none
        return f"closed ({gate.reasons[0]})", Tone.BAD
    states = _states(gate)
    return (f"open ({states})", Tone.OK) if gate.open else (f"closed ({states})", Tone.BAD)


def _states(gate: GateStatus) -> str:
    s = gate.state
    # the operation only when it says more than "the last sync succeeded"
    return f"{s.sync}, {s.health}" + ("" if s.operation == "Succeeded" else f", operation {s.operation}")


# an environment's states, strongest first, as its header names them; each read from its rows'
# decisions in the decision's own precedence (docs/concepts/decisions.md)
_STATES = (
    ((DecisionRule.AUTO_ROLLBACK,), "Rolling back"),
    ((DecisionRule.FREEZE,), "Frozen"),
    (_GATES, "Gate closed"),
    ((DecisionRule.WINDOW,), "Window closed"),
)


def environment_state(rows: Sequence[Row]) -> tuple[str, Tone] | None:
    """The strongest state of one environment's rows, in the words and tone of the decision
    that holds it (``Frozen: production is frozen until …: launch day``), or None when nothing
    holds the environment as a whole. A header that said only "Gate open" in green over a
    frozen environment would read as all clear."""
    decisions = [r.plan.decision for r in rows if not isinstance(r.plan, Unknown) and r.plan.decision]
    for rules, name in _STATES:
        d = next((d for d in decisions if d.rule in rules and _holds(d)), None)
        if d is not None:
            text, tone = decision_cell(d)
            said = text.removeprefix(d.label()).removeprefix(": ")  # the reason, and until when
            if d.rule is DecisionRule.AUTO_ROLLBACK and d.action is DecisionAction.WAIT:
                name = "Failing"  # its rollback is not due yet: the reason says when
            return (f"{name}: {said}" if said else name), tone
        if rules is _GATES and any(_closed(r.gate) for r in rows):
            return f"{name} {_gate(rows[0])[0].removeprefix('closed ')}", Tone.BAD
    return None


def _holds(d: Decision) -> bool:
    """Whether the decision holds the environment back, rather than proposing through it."""
    if d.rule is DecisionRule.WINDOW:  # a commit waits; a pull request opens, its merge deferred
        return True
    if d.rule is DecisionRule.AUTO_ROLLBACK:
        return d.action in (DecisionAction.ROLLBACK, DecisionAction.WAIT)
    return d.action in (DecisionAction.BLOCKED, DecisionAction.UP_TO_DATE, DecisionAction.WAIT)


def _closed(gate: GateStatus | Unknown | None) -> bool:
    return gate is not None and not isinstance(gate, Unknown) and not gate.open


def cells(row: Row) -> list[tuple[str, Tone]]:
    """The row's cells, whole (a surface may shorten them), each with its tone."""
    return [
        (row.environment, Tone.STRONG),
        (_name(row), Tone.PLAIN),
        (_declared(row), Tone.PLAIN),
        _cluster(row),
        (_candidate(row), Tone.PLAIN),
        _plan(row),
        _pull_request(row),
        _gate(row),
    ]


def summary(status: Status, where: str = "see stderr") -> str:
    """One line counting environments, images, the run's decisions by action (those that wait,
    promote or roll back only when there are any) and pull requests; ``where``: where the
    unknown sources are told."""
    rows, unknown = status.rows, len(status.unknown)
    envs = len(dict.fromkeys(r.environment for r in rows))
    charts = sum(1 for r in rows if r.kind is ArtifactKind.CHART)
    images = len(rows) - charts
    actions = [action_of(r.plan) for r in rows if not isinstance(r.plan, Unknown)]
    pulls = {
        r.pull_request.number for r in rows if r.pull_request and not isinstance(r.pull_request, Unknown)
    }
    parts = [
        f"{envs} environment{'s' if envs != 1 else ''}, {images} image{'s' if images != 1 else ''}"
        + (f", {charts} chart{'s' if charts != 1 else ''}" if charts else ""),
        *tally(actions),
        f"{len(pulls)} open pull request{'s' if len(pulls) != 1 else ''}",
    ]
    if unknown:
        parts.append(f"{unknown} source{'s' if unknown != 1 else ''} unknown ({where})")
    return "; ".join(parts)
