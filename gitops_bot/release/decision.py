"""The one decision per environment and artifact per run. PURE.

The engine gathers, once per run, everything that can hold a release in an environment
(:class:`Facts`: its freeze, its deployment window, its soak, its automatic rollback, the gates
it reads) and the plan's item for each artifact (the policy's choice, with holds, signatures
and ``min_age`` already applied); :func:`decide` turns them into one
:class:`~gitops_bot.core.model.Decision`. ``plan`` (text and JSON), ``status`` (text and JSON),
the status page, the dashboard issue, PR bodies and notifications render that value; none of
them reads the state on its own, so they cannot disagree.

Precedence, first match wins (``docs/concepts/decisions.md`` shows each as every surface reads
it):

1. ``error``: the item could not be planned (a registry or a file failed) -> skip.
2. ``hold``: a person (or an earlier automatic rollback) holds the image -> blocked: the bot
   neither proposes over it nor rolls it back.
3. ``auto_rollback``: the environment is failing after a release the bot made -> rollback when
   due, else wait until it is due.
4. ``freeze``: a freeze is in force -> blocked until it ends.
5. ``signature``: the candidate's signatures do not hold -> blocked.
6. For an environment that receives promotions, when its source runs something else:
   ``hold`` (the promotion would change a held image: it is refused as a whole) -> blocked;
   ``gate`` (the source is not green) -> blocked; ``metrics`` (a metrics gate of the source
   fails now, or has no data), ``checks`` (the forge's checks on the source's release commit
   are not green) and ``web`` (a web gate's answer says no) -> blocked; ``soak``
   (``auto_promote``) -> wait until soaked (its metrics gates holding all along), then
   propose; ``gate``, ``metrics``, ``checks`` or ``web`` that could not be read -> unknown,
   the reason saying which and why (``promote`` would refuse); else ``promotion`` -> promote
   (a person runs the command).
7. ``min_age``: nothing newer is old enough yet -> wait until the newest is; where the forge's
   clock ages it (a pull request's environment, no publisher-free clock), propose it now
   with its merge waiting until it is old enough.
8. ``policy``: propose the policy's choice, or up to date. An environment whose own gate is
   not green is still up to date, with the gate as its rule (``metrics``, ``checks``, ``web``
   for such a gate that does not pass), so nothing reads green beside it.
9. ``window``: a closed window turns a proposal or promotion that would land by itself into a
   wait (commits) or keeps it with its auto-merge deferred (pull requests), until it opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import (
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanAction,
    PlanItem,
)
from gitops_bot.gate.reading import Outcome, Reading
from gitops_bot.release.windows import Deferral, Freeze

if TYPE_CHECKING:  # types only: the rollback's brings the release history (and the forges)
    from gitops_bot.release.autorollback import Verdict
    from gitops_bot.release.soak import Soak

Action, Rule = DecisionAction, DecisionRule


@dataclass(frozen=True, slots=True)
class GateReading:
    """An environment's gate as read this run: green or not, and why not."""

    application: str
    green: bool
    reason: str  # "Synced, Degraded" / the reasons it is closed / why it could not be read
    known: bool = True  # False: it could not be read (the reason says why)


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything beside the plan's item that can hold a release in one environment, read once
    per run (None: the rule is not configured, or does not apply now)."""

    environment: str
    promote_from: str | None = None
    freeze: Freeze | None = None
    window: Deferral | None = None  # set only where a window holds something back (see _windowed)
    commits: bool = False  # the environment's releases are commits to the base, not pull requests
    rollback: Verdict | None = None  # set when auto_rollback is configured and the app is failing
    soak: Soak | None = None  # set when auto_promote is configured and the source runs something new
    auto_promote: bool = False
    gate: GateReading | None = None  # this environment's own gate
    source_gate: GateReading | None = None  # the promotion source's gate
    automation: str | None = None  # why the automatic rules could not be decided now
    metrics: tuple[Reading, ...] = ()  # this environment's metrics gates, read now
    source_metrics: tuple[Reading, ...] = ()  # the promotion source's metrics gates, read now
    # held images a promotion into this environment would change: a promotion (by a person or
    # automatic) is refused as a whole while one of them is held, so it holds every row back
    held_moving: tuple[tuple[str, str], ...] = ()  # (image, the hold's reason)
    now: datetime | None = None


def decide(item: PlanItem, facts: Facts, promoted: Deployed | None = None) -> Decision:
    """The decision for ``item`` in ``facts.environment``; ``promoted``: for an environment that
    receives promotions, what its source runs of this artifact (None: nothing, or not asked)."""
    verdict = item.verification
    if item.action is PlanAction.SKIP and not (verdict is not None and not verdict.verified):
        return Decision(Action.SKIP, Rule.ERROR, item.reason)
    if item.action is PlanAction.HELD:  # a person's, or the record of a rollback already made
        return Decision(Action.BLOCKED, Rule.HOLD, item.reason)
    if (rolled := _rollback(facts)) is not None:
        return rolled
    if facts.freeze is not None:
        f = facts.freeze
        return Decision(
            Action.BLOCKED,
            Rule.FREEZE,
            f.text(),
            f.until,
            {"reason": f.reason or "", "until": format_instant(f.until)},
        )
    if item.action is PlanAction.SKIP:  # the signature check failed (the only other skip)
        return Decision(Action.BLOCKED, Rule.SIGNATURE, item.reason)
    return _windowed(facts, _release(item, facts, promoted))


def _release(item: PlanItem, facts: Facts, promoted: Deployed | None) -> Decision:
    """What the policy, a promotion's source and ``min_age`` decide, before any window."""
    if facts.promote_from is not None and promotes(item, promoted):
        return _promotion(item, facts, promoted)
    if facts.promote_from is not None:
        reason = f"runs what {facts.promote_from} runs" if promoted is not None else item.reason
        return _own_gate(facts, Decision(Action.UP_TO_DATE, Rule.PROMOTION, reason))
    waiting = item.waiting
    if item.action is PlanAction.NONE and waiting is not None:
        evidence = {"tag": waiting.tag, "min_age": waiting.to_json()["min_age"]}
        return Decision(Action.WAIT, Rule.MIN_AGE, item.reason, waiting.until, evidence)
    if item.action is PlanAction.UPDATE and waiting is not None and waiting.proposed:
        evidence = {"tag": waiting.tag, "min_age": waiting.to_json()["min_age"]}
        evidence["age_from"] = waiting.decided_by
        return Decision(Action.PROPOSE, Rule.MIN_AGE, item.reason, waiting.until, evidence)
    if item.action is PlanAction.UPDATE:
        return Decision(Action.PROPOSE, Rule.POLICY, item.reason)
    return _own_gate(facts, Decision(Action.UP_TO_DATE, Rule.POLICY, item.reason))


def _windowed(facts: Facts, decided: Decision) -> Decision:
    """A closed window holds back only what would land by itself: a commit waits for it; a pull
    request still opens (people review it), its auto-merge deferred until the window opens."""
    w = facts.window
    if w is None or decided.action not in (Action.PROPOSE, Action.PROMOTE):
        return decided
    if decided.rule is Rule.MIN_AGE and decided.until and w.until and decided.until >= w.until:
        return decided  # its merge waits longer for min_age than for the window
    evidence = {**decided.evidence, "window": w.rule, "decided_by": decided.rule.value}
    if facts.commits:
        return Decision(Action.WAIT, Rule.WINDOW, f"{w.text()} ({decided.reason})", w.until, evidence)
    return Decision(
        decided.action, Rule.WINDOW, f"{decided.reason}; auto-merge deferred: {w.text()}", w.until, evidence
    )


def promotes(item: PlanItem, promoted: Deployed | None) -> bool:
    """Whether a promotion would change ``item`` (its source runs ``promoted``)."""
    current = item.current
    if promoted is None or current is None:
        return False
    if promoted.digest is None and promoted.tag == current.tag:
        # the source names the tag the target pins (by the last promotion): promoting resolves
        # it to that digest again; a tag moved since is promote's to find, by the registry
        return False
    return (promoted.tag, promoted.digest) != (current.tag, current.digest)


def _rollback(facts: Facts) -> Decision | None:
    v = facts.rollback
    if v is None or v.failure is None:
        return None
    evidence = {"failure": v.failure.what, "release": v.release or ""}
    if v.ready:
        return Decision(Action.ROLLBACK, Rule.AUTO_ROLLBACK, v.reason(), evidence=evidence)
    until = v.until
    if until is not None and facts.now is not None and facts.now < until and v.pending:
        return Decision(Action.WAIT, Rule.AUTO_ROLLBACK, "; ".join(v.held), until, evidence)
    return None  # not this rule's to roll back (made by hand, before the release, frozen)


def _promotion(item: PlanItem, facts: Facts, promoted: Deployed | None) -> Decision:
    src = str(facts.promote_from)
    if facts.held_moving:
        name, why = facts.held_moving[0]
        return Decision(
            Action.BLOCKED,
            Rule.HOLD,
            f"the promotion from {src} would change {name}, which {facts.environment} holds ({why})",
            evidence={"image": name, "hold": why},
        )
    gate = facts.source_gate
    if gate is not None and gate.known and not gate.green:
        return Decision(
            Action.BLOCKED,
            Rule.GATE,
            f"{src} is not green in Argo CD ({gate.reason})",
            evidence={"application": gate.application, "reading": gate.reason},
        )
    if (red := _red(facts.source_metrics)) is not None:
        return Decision(Action.BLOCKED, _rule(red), f"{src}'s {red.text()}", evidence=red.evidence())
    if facts.auto_promote:
        blind = _blind(facts.source_metrics)
        if facts.automation is None and blind is not None:
            return Decision(Action.WAIT, Rule.SOAK, f"not decided: {blind.text()}", evidence=blind.evidence())
        if facts.automation is not None:
            return Decision(Action.WAIT, Rule.SOAK, f"not decided: {facts.automation}")
        soak = facts.soak
        if soak is not None and not soak.ready:
            evidence = {"since": format_instant(soak.since)} if soak.since else {}
            if soak.metrics:
                evidence["metrics"] = "; ".join(r.text() for r in soak.metrics)
            return Decision(Action.WAIT, Rule.SOAK, "; ".join(soak.held), soak.until, evidence)
        return Decision(Action.PROPOSE, Rule.SOAK, f"{src} soaked: auto_promote opens the promotion")
    # a gate that could not be read is said as such: the command asks it again and refuses
    # while it cannot tell, so advice to run it would only lead to a refusal
    if gate is not None and not gate.known:
        return Decision(
            Action.UNKNOWN,
            Rule.GATE,
            f"{src}'s gate {gate.application} could not be read: {gate.reason}",
            evidence={"application": gate.application, "reading": gate.reason},
        )
    if (blind := _blind(facts.source_metrics)) is not None:
        return Decision(Action.UNKNOWN, _rule(blind), f"{src}'s {blind.text()}", evidence=blind.evidence())
    reason = f"{src} runs {_ref(promoted)}; run 'gitops-bot promote {src} {facts.environment}'"
    return Decision(Action.PROMOTE, Rule.PROMOTION, reason)


def _ref(d: Deployed | None) -> str:
    if d is None:
        return "another build"
    digest = f"@{d.digest.split(':')[-1][:12]}" if d.digest else ""
    return f"{d.tag or ''}{digest}" or "another build"


def _rule(reading: Reading) -> DecisionRule:
    """A gate reading's rule: metrics, checks (the forge's) or web."""
    return {"checks": Rule.CHECKS, "web": Rule.WEB}.get(reading.kind, Rule.METRICS)


def _red(readings: tuple[Reading, ...]) -> Reading | None:
    """The first gate (metrics, checks, web) that holds a release back: failing, or without
    an answer yet."""
    return next((r for r in readings if r.outcome in (Outcome.FAIL, Outcome.NO_DATA)), None)


def _blind(readings: tuple[Reading, ...]) -> Reading | None:
    """The first gate (metrics, checks, web) that could not be read."""
    return next((r for r in readings if r.outcome is Outcome.UNKNOWN), None)


def _own_gate(facts: Facts, decided: Decision) -> Decision:
    """Up to date, but the environment's own gate is not green: the gate is the rule, so nothing
    reads green beside a red gate."""
    gate = facts.gate
    if gate is None or not gate.known or gate.green:
        red = _red(facts.metrics)
        if red is None:
            return decided
        return Decision(
            decided.action, _rule(red), f"{decided.reason}, but its {red.text()}", evidence=red.evidence()
        )
    return Decision(
        decided.action,
        Rule.GATE,
        f"{decided.reason}, but {gate.application} is not green in Argo CD ({gate.reason})",
        evidence={"application": gate.application, "reading": gate.reason},
    )
