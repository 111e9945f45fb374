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
   with its merge waiting until it is old enough; an age whose clock (a registry's push-time
   API, the forge's record) could not be read -> unknown, the reason saying which and why.
8. ``policy``: propose the policy's choice, or up to date. An environment whose own gate is
   not green is still up to date, with the gate as its rule (``metrics``, ``checks``, ``web``
   for such a gate that does not pass), so nothing reads green beside it.
9. ``window``: a closed window turns a proposal or promotion that would land by itself into a
   wait (commits) or keeps it with its auto-merge deferred (pull requests), until it opens.

Each rule is a step of :func:`chain`, judged for every item whichever rule wins (passed,
blocking, not applicable, unknown; its evidence, since and until when), and :func:`decide`
returns the chain's winner: ``explain``, the page's and the dashboard's "why" show the chain
itself, so what they show is what decided, not a second reading of the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import (
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanAction,
    PlanItem,
    is_placeholder_digest,
)
from gitops_bot.core.record import record
from gitops_bot.release.planning import placeholder_source
from gitops_bot.release.windows import Deferral, Freeze

if TYPE_CHECKING:  # types only: the rollback's brings the release history (and the forges); a
    # gate's reading is made where an environment has gates
    from gitops_bot.gate.reading import Reading
    from gitops_bot.release.autorollback import RollbackDecision
    from gitops_bot.release.soak import Soak

Action, Rule = DecisionAction, DecisionRule


@record
class Undecided:
    """An automatic rule that could not be judged now (Argo CD could not be asked): which rule
    (``automation`` when neither could be), and why."""

    rule: str
    held: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "ready": False, "held": list(self.held)}


# an environment's automatic rules as judged now, each as plan's JSON shows it (``to_json``)
Automatic: TypeAlias = "Soak | RollbackDecision | Undecided"


@record
class Override:
    """A person's ``--force --reason`` (and ``--skip-gate``): the rules of the chain it lets a
    release through (``freeze``, ``promotion.metrics``, ``promotion.gate``, ...) and why. An
    overridden rule still reads what holds (its evidence) and says "overridden: REASON"; the
    release's pull request states what it overrode. ``reason`` None: none with content was
    given, and an override that needs one refuses (:func:`refusal`)."""

    reason: str | None
    rules: frozenset[str]

    def covers(self, rule: str) -> bool:
        return rule in self.rules


@record
class Facts:
    """Everything beside the plan's item that can hold a release in one environment, read once
    per run (None: the rule is not configured, or does not apply now)."""

    environment: str
    promote_from: str | None = None
    freeze: Freeze | None = None
    window: Deferral | None = None  # set only where a window holds something back (see _windowed)
    commits: bool = False  # the environment's releases are commits to the base, not pull requests
    rollback: RollbackDecision | None = None  # set when auto_rollback is configured and the app is failing
    soak: Soak | None = None  # set when auto_promote is configured and the source runs something new
    auto_promote: bool = False
    auto_rollback: bool = False  # auto_rollback is configured (its verdict: ``rollback``)
    gate: Reading | None = None  # this environment's own Argo CD gate
    source_gate: Reading | None = None  # the promotion source's Argo CD gate
    automation: str | None = None  # why the automatic rules could not be decided now
    metrics: tuple[Reading, ...] = ()  # this environment's metrics gates, read now
    source_metrics: tuple[Reading, ...] = ()  # the promotion source's metrics gates, read now
    # held images a promotion into this environment would change: a promotion (by a person or
    # automatic) is refused as a whole while one of them is held, so it holds every row back
    held_moving: tuple[tuple[str, str], ...] = ()  # (image, the hold's reason)
    now: datetime | None = None
    override: Override | None = None  # a person's --force --reason: the rules it lets through

    def overrides(self, rule: str) -> bool:
        return self.override is not None and self.override.covers(rule)


class Standing(StrEnum):
    """A rule's verdict in an item's chain (:func:`chain`)."""

    PASSED = "passed"  # looked at: it lets the release through
    BLOCKING = "blocking"  # it holds the release back: the winner, or outranked by the winner
    NOT_APPLICABLE = "not applicable"  # not configured here, or nothing for it to judge
    UNKNOWN = "unknown"  # it could not be read (a later rule decides on that, and says so)


@record
class Step:
    """One rule of an item's chain: its verdict, what it read (``evidence``), since and until
    when that holds where known, and the decision it makes when the chain reaches it (None: it
    lets the next rule decide). ``wins``: its decision is the item's."""

    rule: str  # its place in the precedence: "freeze", "promotion.gate", "window", ...
    verdict: Standing
    reason: str
    evidence: Mapping[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    decision: Decision | None = None
    wins: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "verdict": self.verdict.value,
            "decides": self.wins,
            "reason": self.reason,
            "since": format_instant(self.since) if self.since else None,
            "until": format_instant(self.until) if self.until else None,
            "evidence": dict(self.evidence),
        }


Pass, Block, NotApplicable = Standing.PASSED, Standing.BLOCKING, Standing.NOT_APPLICABLE


def decide(item: PlanItem, facts: Facts, promoted: Deployed | None = None) -> Decision:
    """The decision for ``item`` in ``facts.environment``: the winner of its :func:`chain`.
    ``promoted``: for an environment that receives promotions, what its source runs of this
    artifact (None: nothing, or not asked)."""
    return winner(chain(item, facts, promoted))


def winner(steps: tuple[Step, ...]) -> Decision:
    """The decision of the chain's winning step."""
    return next(s.decision for s in steps if s.wins and s.decision is not None)


def chain(item: PlanItem, facts: Facts, promoted: Deployed | None = None) -> tuple[Step, ...]:
    """Every rule of the decision for ``item`` in precedence order, each with its verdict. The
    first of error, hold, auto_rollback, freeze and signature that decides wins; else the
    release's rules (a promotion's, ``min_age``, the policy, then the environment's own gate
    beside what is up to date) say what the release is, and a closed window turns that into
    its own decision. Every rule is judged whichever wins, so one the winner outranks still
    says that it holds the release back, and until when (``explain``'s next change)."""
    head = (_error(item), _hold(item), _auto_rollback(facts), _freeze(facts), _signature(item))
    release, decided = _release(item, facts, promoted)
    assert decided.decision is not None
    window = _window(facts, decided.decision)
    first = next((s for s in head if s.decision is not None), None)
    win = first or (window if window.decision is not None else decided)
    return tuple(replace(s, wins=True) if s is win else s for s in (*head, *release, window))


def safety(facts: Facts, unread: str | None = None) -> tuple[Step, ...]:
    """The chain of a person's rollback, a safety action: its freeze alone holds it back (no
    window, gate or soak keeps an emergency waiting). The freeze is the step ``plan`` and
    ``explain`` show for the environment's items, judged the same way. ``unread``: why a file
    the environment renders was not read (the reading's words, as plan's items skip with
    them): a rollback written into the files read would leave the rest on the release it
    rolls back, so it is the ``error`` step plan's items show, and it decides."""
    step = _freeze(facts)
    if unread is not None:
        error = Step("error", Block, unread, decision=Decision(Action.SKIP, Rule.ERROR, unread), wins=True)
        return (error, step)
    return (replace(step, wins=True) if step.decision is not None else step,)


def _error(item: PlanItem) -> Step:
    v = item.verification
    if item.action is PlanAction.SKIP and not (v is not None and not v.verified):
        return Step("error", Block, item.reason, decision=Decision(Action.SKIP, Rule.ERROR, item.reason))
    return Step("error", Pass, "planned: the registry and the files answered")


def _hold(item: PlanItem) -> Step:
    if item.action is PlanAction.HELD:  # a person's, or the record of a rollback already made
        return Step("hold", Block, item.reason, decision=Decision(Action.BLOCKED, Rule.HOLD, item.reason))
    return Step("hold", Pass, "not held")


def _auto_rollback(facts: Facts) -> Step:
    v = facts.rollback
    since = v.failure.since if v is not None and v.failure is not None else None
    if (rolled := _rollback(facts)) is not None:
        return Step(
            "auto_rollback", Block, rolled.reason, rolled.evidence, since, rolled.until, decision=rolled
        )
    if v is not None and v.failure is not None:  # failing, but not this rule's to roll back now
        return Step("auto_rollback", Pass, "; ".join(v.held) or "not this rule's to roll back", since=since)
    if facts.auto_rollback:
        return Step("auto_rollback", Pass, "the application is not failing")
    return Step("auto_rollback", NotApplicable, "auto_rollback is not configured")


def _freeze(facts: Facts) -> Step:
    f = facts.freeze
    if f is None:
        return Step("freeze", Pass, "no freeze in force")
    frozen = Decision(Action.BLOCKED, Rule.FREEZE, f.text(), f.until, f.evidence())
    if facts.overrides("freeze"):
        return _overridden("freeze", facts, f.text(), frozen.evidence, until=f.until)
    return Step("freeze", Block, f.text(), frozen.evidence, until=f.until, decision=frozen)


OVERRIDES = "overrides"  # an overridden step's evidence: what it would have held the release back by


def _overridden(
    rule: str,
    facts: Facts,
    said: str,
    evidence: Mapping[str, str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Step:
    """A rule a person overrode: it lets the release through, says so and why, and keeps what
    it read (``said``) for the pull request's note and for a refusal when no reason was given."""
    why = facts.override.reason if facts.override is not None else None
    shown = f"overridden: {why}" if why else "overridden"
    return Step(rule, Pass, shown, {**evidence, OVERRIDES: said}, since, until)


def _signature(item: PlanItem) -> Step:
    v = item.verification
    if v is None:
        return Step("signature", NotApplicable, "no signature policy applies to a candidate")
    if item.action is PlanAction.SKIP and not v.verified:  # the only other skip
        blocked = Decision(Action.BLOCKED, Rule.SIGNATURE, item.reason)
        return Step("signature", Block, item.reason, decision=blocked)
    return Step("signature", Pass if v.verified else Block, v.reason)


def _release(item: PlanItem, facts: Facts, promoted: Deployed | None) -> tuple[tuple[Step, ...], Step]:
    """The release's rules, and the one whose decision the window judges: a promotion's (its
    hold, its source's gates, its soak), ``min_age`` and the policy, then the environment's own
    gate beside what is up to date."""
    if facts.promote_from is not None:
        steps = _promotion(item, facts, promoted)
        why = f"{facts.environment} receives promotions from {facts.promote_from}"
        steps += (Step("min_age", NotApplicable, why), Step("policy", NotApplicable, why))
    else:
        steps = (Step("promotion", NotApplicable, f"{facts.environment} takes registry updates"),)
        steps += (_min_age(item), _policy(item))
    found = next(s for s in steps if s.decision is not None)
    assert found.decision is not None
    gate = _gate(facts, found.decision)
    return (*steps, gate), (gate if gate.decision is not None else found)


def _min_age(item: PlanItem) -> Step:
    waiting = item.waiting
    if waiting is None:
        return Step("min_age", NotApplicable, "no newer candidate waits for min_age")
    evidence = {"tag": waiting.tag, "min_age": waiting.to_json()["min_age"]}
    shown = waiting.describe()
    if item.action is PlanAction.NONE:
        # a clock that could not be read ages nothing: not a wait that ends by itself
        action = Action.UNKNOWN if waiting.unread else Action.WAIT
        waits = Decision(action, Rule.MIN_AGE, item.reason, waiting.until, evidence)
        return Step("min_age", Block, shown, evidence, waiting.seen, waiting.until, decision=waits)
    if item.action is PlanAction.UPDATE and waiting.proposed:
        evidence["age_from"] = waiting.decided_by
        merge = Decision(Action.PROPOSE, Rule.MIN_AGE, item.reason, waiting.until, evidence)
        return Step("min_age", Block, shown, evidence, waiting.seen, waiting.until, decision=merge)
    return Step("min_age", Pass, f"an older candidate is old enough; {shown}", evidence, until=waiting.until)


def _policy(item: PlanItem) -> Step:
    evidence = {"candidate": item.candidate.tag or ""} if item.candidate is not None else {}
    if item.action is PlanAction.UPDATE:
        return Step(
            "policy", Pass, item.reason, evidence, decision=Decision(Action.PROPOSE, Rule.POLICY, item.reason)
        )
    verdict = NotApplicable if item.action in (PlanAction.HELD, PlanAction.SKIP) else Pass
    return Step(
        "policy",
        verdict,
        item.reason,
        evidence,
        decision=Decision(Action.UP_TO_DATE, Rule.POLICY, item.reason),
    )


def _gate(facts: Facts, decided: Decision) -> Step:
    """The environment's own gates (Argo CD's, metrics, checks, web): beside what is up to date
    a red one is the rule, so nothing reads green beside it."""
    readings = _gates(facts.gate, facts.metrics)
    if not readings:
        return Step("gate", NotApplicable, f"{facts.environment} has no gate of its own")
    red = _red(readings)
    if red is None:
        verdict = Standing.UNKNOWN if _blind(readings) is not None else Pass
        return Step("gate", verdict, "; ".join(r.text() for r in readings), since=_since(readings))
    gated = _own_gate(red, decided) if decided.action is Action.UP_TO_DATE else None
    return Step("gate", Block, red.text(), red.evidence(), red.since, decision=gated)


def _window(facts: Facts, decided: Decision) -> Step:
    w = facts.window
    if w is None:
        return Step("window", Pass, "no window holds a release back now")
    evidence = {"window": w.rule}
    if decided.action not in (Action.PROPOSE, Action.PROMOTE):
        return Step("window", Pass, f"{w.text()}; nothing would land now", evidence, until=w.until)
    windowed = _windowed(facts, decided)
    if windowed is decided:  # its merge waits longer for min_age than for the window
        return Step("window", Block, w.text(), evidence, until=w.until)
    return Step("window", Block, w.text(), evidence, until=w.until, decision=windowed)


def _promotion(item: PlanItem, facts: Facts, promoted: Deployed | None) -> tuple[Step, ...]:
    """A promotion's rules: the holds it would change, its source's gates (Argo CD's, metrics,
    checks, web), its soak, then the promotion itself."""
    src = str(facts.promote_from)
    if not promotes(item, promoted):
        reason = f"runs what {src} runs" if promoted is not None else item.reason
        if promoted is not None and is_placeholder_digest(promoted.digest):
            reason = placeholder_source(src, promoted.digest)
        none = tuple(Step(r, NotApplicable, f"nothing to promote: {reason}") for r in _PROMOTION_RULES)
        same = Decision(Action.UP_TO_DATE, Rule.PROMOTION, reason)
        return (*none, Step("promotion", Pass, reason, decision=same))
    if facts.held_moving:
        name, why = facts.held_moving[0]
        said = f"the promotion from {src} would change {name}, which {facts.environment} holds ({why})"
        held = Decision(Action.BLOCKED, Rule.HOLD, said, evidence={"image": name, "hold": why})
        hold = (
            _overridden("promotion.hold", facts, said, held.evidence)
            if facts.overrides("promotion.hold")
            else Step("promotion.hold", Block, said, held.evidence, decision=held)
        )
    else:
        hold = Step(
            "promotion.hold", Pass, f"no image the promotion would change is held in {facts.environment}"
        )
    # a gate a person overrode holds nothing back: the first red one of the others decides
    gates = tuple(r for r in _gates(facts.source_gate, facts.source_metrics) if not facts.overrides(_step(r)))
    red = _red(gates)
    kinds = (
        ("promotion.gate", (facts.source_gate,) if facts.source_gate is not None else (), "Argo CD gate"),
        (
            "promotion.metrics",
            tuple(r for r in facts.source_metrics if _rule(r) is Rule.METRICS),
            "metrics gate",
        ),
        (
            "promotion.checks",
            tuple(r for r in facts.source_metrics if _rule(r) is Rule.CHECKS),
            "checks gate",
        ),
        ("promotion.web", tuple(r for r in facts.source_metrics if _rule(r) is Rule.WEB), "web gate"),
    )
    judged = tuple(_source_gate(rule, readings, src, red, what, facts) for rule, readings, what in kinds)
    return (hold, *judged, _soak(facts, src), _promote(facts, src, gates, promoted))


_PROMOTION_RULES = (
    "promotion.hold",
    "promotion.gate",
    "promotion.metrics",
    "promotion.checks",
    "promotion.web",
    "promotion.soak",
)


def _source_gate(
    rule: str, readings: tuple[Reading, ...], src: str, red: Reading | None, what: str, facts: Facts
) -> Step:
    """The promotion source's gates of one kind; the first red one of all decides."""
    if facts.overrides(rule):
        held = [r for r in readings if not r.passes]
        if not readings:
            return Step(rule, Pass, f"{src}'s {what} not read: overridden")
        if held:
            said = "; ".join(r.text() for r in held)
            return _overridden(rule, facts, said, held[0].evidence(), since=held[0].since)
    if not readings:
        return Step(rule, NotApplicable, f"{src} has no {what}")
    mine = _red(readings)
    if mine is not None:
        blocked = (
            Decision(Action.BLOCKED, _rule(mine), mine.said(src), evidence=mine.evidence())
            if mine is red
            else None
        )
        return Step(rule, Block, mine.said(src), mine.evidence(), mine.since, decision=blocked)
    if (blind := _blind(readings)) is not None:
        return Step(rule, Standing.UNKNOWN, blind.said(src), blind.evidence())
    return Step(rule, Pass, "; ".join(r.said(src) for r in readings), since=_since(readings))


def _soak(facts: Facts, src: str) -> Step:
    if not facts.auto_promote:
        return Step("promotion.soak", NotApplicable, "auto_promote is not configured: a person promotes")
    blind = _blind(facts.source_metrics)
    if facts.automation is None and blind is not None:
        waits = Decision(Action.WAIT, Rule.SOAK, f"not decided: {blind.text()}", evidence=blind.evidence())
        return Step("promotion.soak", Block, waits.reason, waits.evidence, decision=waits)
    if facts.automation is not None:
        waits = Decision(Action.WAIT, Rule.SOAK, f"not decided: {facts.automation}")
        return Step("promotion.soak", Block, waits.reason, decision=waits)
    soak = facts.soak
    if soak is not None and not soak.ready:
        evidence = {"since": format_instant(soak.since)} if soak.since else {}
        if soak.metrics:
            evidence["metrics"] = "; ".join(r.text() for r in soak.metrics)
        waits = Decision(Action.WAIT, Rule.SOAK, "; ".join(soak.held), soak.until, evidence)
        return Step("promotion.soak", Block, waits.reason, evidence, soak.since, soak.until, decision=waits)
    soaked = Decision(Action.PROPOSE, Rule.SOAK, f"{src} soaked: auto_promote opens the promotion")
    since = soak.since if soak is not None else None
    return Step(
        "promotion.soak",
        Pass,
        soaked.reason,
        since=since,
        until=soak.until if soak else None,
        decision=soaked,
    )


def _promote(facts: Facts, src: str, gates: tuple[Reading, ...], promoted: Deployed | None) -> Step:
    """The promotion a person runs. A gate that could not be read is said as such: the command
    asks it again and refuses while it cannot tell, so advice to run it would only lead to a
    refusal."""
    if facts.auto_promote:
        return Step("promotion", Pass, "auto_promote opens it once the soak ends")
    if (blind := _blind(gates)) is not None:
        unknown = Decision(Action.UNKNOWN, _rule(blind), blind.said(src), evidence=blind.evidence())
        return Step("promotion", Block, unknown.reason, unknown.evidence, decision=unknown)
    reason = f"{src} runs {_ref(promoted)}; run 'gitops-bot promote {src} {facts.environment}'"
    return Step("promotion", Pass, reason, decision=Decision(Action.PROMOTE, Rule.PROMOTION, reason))


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
    if promoted is None or current is None or is_placeholder_digest(promoted.digest):
        return False  # a placeholder digest is no release: there is nothing to carry over
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


def _ref(d: Deployed | None) -> str:
    if d is None:
        return "another build"
    digest = f"@{d.digest.split(':')[-1][:12]}" if d.digest else ""
    return f"{d.tag or ''}{digest}" or "another build"


def _step(reading: Reading) -> str:
    """The chain's step judging a promotion source's gate reading: ``promotion.metrics``, ..."""
    return f"promotion.{_rule(reading).value}"


def _rule(reading: Reading) -> DecisionRule:
    """A gate reading's rule: gate (Argo CD's), metrics, checks (the forge's) or web."""
    return reading.rule


def _gates(argocd: Reading | None, others: tuple[Reading, ...]) -> tuple[Reading, ...]:
    """An environment's gates in the order they are judged: Argo CD's first, then metrics,
    checks and web as configured."""
    return others if argocd is None else (argocd, *others)


def _red(readings: tuple[Reading, ...]) -> Reading | None:
    """The first gate (Argo CD, metrics, checks, web) that holds a release back: failing, or
    without an answer yet."""
    return next((r for r in readings if r.holds_back), None)


def _blind(readings: tuple[Reading, ...]) -> Reading | None:
    """The first gate (Argo CD, metrics, checks, web) that could not be read."""
    return next((r for r in readings if r.unread), None)


def _since(readings: tuple[Reading, ...]) -> datetime | None:
    """Since when gates that all pass have held: the latest of their own instants."""
    return max((r.since for r in readings if r.since is not None), default=None)


def _own_gate(red: Reading, decided: Decision) -> Decision:
    """Up to date, but the environment's own gate ``red`` is not green: the gate is the rule, so
    nothing reads green beside a red gate."""
    return Decision(decided.action, _rule(red), f"{decided.reason}, but {red.own()}", evidence=red.evidence())
