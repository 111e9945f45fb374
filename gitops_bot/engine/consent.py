"""A person's ``promote SRC DST`` and ``rollback ENV`` judged by the one decision.

The facts are gathered by :class:`~gitops_bot.engine.decisions.Readings` (DST's, taking SRC as
its source whatever the configuration names), each artifact the promotion could move is
judged by :func:`gitops_bot.release.decision.chain`, and the command proceeds or refuses by
that chain's winner: the rule, reason and "until" ``plan`` and ``explain`` print. ``--force
--reason`` (and ``--skip-gate``) is a fact the chain weighs (:class:`Override`), not a way
around it; what it overrode is returned as the notes the pull request states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gitops_bot.core.errors import GateClosed, GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.core.model import (
    ArtifactKind,
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanAction,
    PlanItem,
)
from gitops_bot.core.outside import Outside
from gitops_bot.engine.decisions import Readings
from gitops_bot.engine.results import Unknown
from gitops_bot.engine.session import Session
from gitops_bot.release import decision, freezes
from gitops_bot.release.decision import OVERRIDES, Facts, Override, Step
from gitops_bot.release.proposal import OVERRIDE_FREEZE, OVERRIDE_GATE

# what --force lets a person's promotion through; --skip-gate lets it past the Argo CD gate
FREEZE_RULES = frozenset({"freeze"})
GATE_RULES = frozenset({"promotion.metrics", "promotion.checks", "promotion.web"})
REASONED = FREEZE_RULES | GATE_RULES  # overriding these needs a reason, which the PR states
FORCED = REASONED | {"promotion.hold"}
SKIPPED = frozenset({"promotion.gate"})
_GATES = {"promotion.metrics": "metrics", "promotion.checks": "checks", "promotion.web": "web"}
# what a refusal asks of the person, by the rule that refused
_FORCE_HINT = "wait until it holds, or pass --force --reason TEXT"
_ARGOCD_HINT = "wait for the source to be Synced and Healthy, or pass --skip-gate"


class Overridden(list[str]):
    """The notes of what a person overrode (the pull request's paragraphs, the run's
    warnings), and ``rules``: which of them the pull request records in its hidden line
    (:data:`~gitops_bot.release.proposal.OVERRIDE_FREEZE`, ``OVERRIDE_GATE``), the only place
    the runs after read the override from."""

    def __init__(self, notes: Sequence[str] = (), rules: frozenset[str] = frozenset()) -> None:
        super().__init__(notes)
        self.rules = rules


def override(*, force: bool, skip_gate: bool = False, reason: str | None = None) -> Override | None:
    """The override a person's flags state (None: none). A reason of only whitespace records
    nothing for whoever reads the override later, so it counts as none."""
    rules = (FORCED if force else frozenset()) | (SKIPPED if skip_gate else frozenset())
    if not rules:
        return None
    return Override(reason.strip() if reason is not None and reason.strip() else None, rules)


def promotion(
    s: Session,
    source: str,
    target: str,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    skip_gate: bool = False,
    reason: str | None = None,
) -> Overridden:
    """Refuse ``promote source target`` by the chain's decision for the first artifact it
    holds back (raises), else return the notes of what was overridden."""
    stated = override(force=force, skip_gate=skip_gate, reason=reason)
    return standing(s, source, target, stated, only=only)


def standing(
    s: Session,
    source: str,
    target: str,
    stated: Override | None,
    *,
    only: Sequence[str] = (),
    automatic: bool = False,
) -> Overridden:
    """:func:`promotion` with the override already stated (a person's open promotion pull
    request states what it overrode): raises the refusal, else the overrides' notes.
    ``automatic``: an automatic promotion's, which cannot be forced, so its refusal says what
    it waits for instead."""
    app = s.app
    skip_gate = stated is not None and stated.covers("promotion.gate")
    readings = Readings(
        app,
        [target],
        s.environ,
        gates=s.gates(),
        sources={target: source},
        own=False,
        argocd_gate=not skip_gate,
        automatic=False,
    )
    try:
        facts, _ = readings.facts(target)
        facts = replace(facts, override=stated)
        promoted = readings.promoted(target)
        running = readings.running(target)
        gate = readings.gates.get(source)
    finally:
        readings.close()
    items = [
        _item(target, kind, name, current)
        for (kind, name), current in sorted(running.items())
        if not only or name in only
    ]
    # a file either renders not read: what runs, or where the release goes, is not known
    # whole; the chain skips each image with the reading's words, as plan's items do
    items = _unread(s, source, target, only) or items
    # a held image the promotion would change refuses it as a whole, as every surface says
    held = app.held(target)
    moving = tuple(
        (i.image, held[i.image] or "no reason given")
        for i in items
        if i.image in held and decision.promotes(i, promoted.get((i.kind, i.image)))
    )
    facts = replace(facts, held_moving=moving)
    # a loop, not a comprehension (a frame of its own on 3.11): the gates' readings come
    # straight from the command to the chain
    chains = []
    for i in items:
        chains.append(decision.chain(i, facts, promoted.get((i.kind, i.image))))
    for steps in chains:
        judge(steps, facts, gate, automatic=automatic)
    return _notes(facts, chains, source)


def rollback(s: Session, environment: str, *, force: bool = False, reason: str | None = None) -> Overridden:
    """Refuse ``rollback environment`` by the chain's decision (its freeze: a rollback is a
    safety action), else return the notes of what was overridden."""
    readings = Readings(
        s.app,
        [environment],
        s.environ,
        gates=s.gates(),
        sources={environment: None},
        own=False,
        argocd_gate=False,
        automatic=False,
    )
    try:
        facts, _ = readings.facts(environment)
    finally:
        readings.close()
    facts = replace(facts, override=override(force=force, reason=reason))
    blocked = s.app.reading(s.app.config.environment(environment)).blocked
    steps = decision.safety(facts, f"{blocked[0]} (fix: {blocked[1]})" if blocked else None)
    judge(steps, facts)
    return _notes(facts, [steps], environment)


def _unread(s: Session, source: str, target: str, only: Sequence[str]) -> list[PlanItem]:
    """The promotion's items when the target, or its source, renders a file that was not read
    (:attr:`EnvironmentReading.blocked`): each image of it skipped, in the words plan's item
    says (the source's named as such); empty when both were read whole."""
    out: list[PlanItem] = []
    for env, whose in ((target, ""), (source, f"{source}, the promotion's source: ")):
        reading = s.app.reading(s.app.config.environment(env))
        if reading.blocked is not None:
            out += [
                PlanItem(target, r.image, "", "", "", PlanAction.SKIP, whose + r.describe(), None)
                for r in reading.images
                if not only or r.image in only
            ]
    return out


def _item(environment: str, kind: ArtifactKind, name: str, current: Deployed) -> PlanItem:
    """The item the chain judges for an artifact a person's promotion could move: what the
    target runs of it (the release itself resolves, checks and verifies what moves)."""
    return PlanItem(environment, name, "", "", "", PlanAction.NONE, "", current, kind=kind)


def judge(steps: tuple[Step, ...], facts: Facts, gate: object = None, *, automatic: bool = False) -> None:
    """Raise the refusal the chain's winner makes (exit 4; a gate that could not be read, its
    failure's code), or a usage error for a rule overridden without a reason (exit 2)."""
    for step in steps:
        said = step.evidence.get(OVERRIDES)
        if said is not None and step.rule in REASONED and facts.override and facts.override.reason is None:
            owner = "" if step.rule == "freeze" else f"{facts.promote_from}'s "
            raise UsageError(
                f"{owner}{said}; overriding it needs a reason with content",
                hint="pass --reason TEXT (not blank) with --force",
            )
    won = decision.winner(steps) if any(s.wins for s in steps) else None
    if won is None or _proceeds(won):
        return
    raise _refusal(won, facts, gate, automatic=automatic)


def _proceeds(won: Decision) -> bool:
    """Whether the person's command goes ahead: a promotion, a proposal, nothing to move, or
    one a closed window lets open with its merge deferred (delivery defers it as the plan
    says)."""
    return won.action in (
        DecisionAction.PROMOTE,
        DecisionAction.PROPOSE,
        DecisionAction.UP_TO_DATE,
    ) or (won.rule is DecisionRule.WINDOW and won.action is DecisionAction.WAIT)


def _refusal(won: Decision, facts: Facts, gate: object, *, automatic: bool) -> GitOpsBotError:
    text = f"refused: {won.reason}"
    if won.rule is DecisionRule.FREEZE and facts.freeze is not None:
        return freezes.refused(facts.freeze, automatic=automatic)
    if won.rule is DecisionRule.GATE:
        if won.action is DecisionAction.UNKNOWN and isinstance(gate, Unknown):
            # Argo CD did not answer: the failure's own code and advice, as every surface says it
            failed = {2: UsageError, 3: ServiceUnavailable}.get(gate.exit_code, GateClosed)
            return failed(text, hint=gate.hint or _ARGOCD_HINT)
        return GateClosed(text, hint=_ARGOCD_HINT)
    if won.rule is DecisionRule.HOLD:  # the hold's own words, and the way past it
        image, why = won.evidence.get("image", ""), won.evidence.get("hold", "")
        return GateClosed(
            f"refused: {facts.environment} holds {image} ({why})",
            hint=f"run 'gitops-bot unhold {facts.environment} IMAGE' first, or pass --force",
        )
    if won.rule in (DecisionRule.METRICS, DecisionRule.CHECKS, DecisionRule.WEB):
        return GateClosed(text, hint=None if automatic else _FORCE_HINT)
    return GateClosed(f"refused: {won.text()}")


def _notes(facts: Facts, chains: Sequence[tuple[Step, ...]], source: str | None) -> Overridden:
    """What the person overrode, for the output and the pull request (its "freeze overridden"
    and "gate overridden" paragraphs): each rule once, whichever artifacts it held back."""
    reason = facts.override.reason if facts.override is not None else None
    if reason is None:
        return Overridden()
    said: dict[str, str] = {}
    for steps in chains:
        for step in steps:
            text = step.evidence.get(OVERRIDES)
            if text is not None and step.rule in REASONED:
                said.setdefault(step.rule, text)
    out: list[str] = []
    if "freeze" in said:
        out.append(Outside(f"freeze overridden ({said['freeze']}): {reason}"))
    gates = [r for r in _GATES if r in said]
    if gates:
        kinds = " and ".join(_GATES[r] for r in gates)
        text = "; ".join(said[r] for r in gates)
        out.append(Outside(f"{kinds} gate overridden ({source}'s {text}): {reason}"))
    rules = {OVERRIDE_FREEZE} if "freeze" in said else set()
    return Overridden(out, frozenset(rules | ({OVERRIDE_GATE} if gates else set())))
