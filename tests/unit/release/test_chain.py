"""The chain behind each decision (``explain``, the page's and the dashboard's details): every
rule in precedence order with its verdict, the one that decides marked, and the rules it
outranks still saying they hold the release back, with until when. The decision is the
chain's winner, so one table per rule holds both."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from gitops_bot.core.model import (
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanAction,
    PlanItem,
    Verification,
    Waiting,
)
from gitops_bot.core.outside import Outside
from gitops_bot.gate.checks import CHECKS
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.gate.web import WEB
from gitops_bot.release.autorollback import Failure
from gitops_bot.release.autorollback import RollbackDecision as RollbackVerdict
from gitops_bot.release.decision import Facts, Standing, Step, chain, decide, winner
from gitops_bot.release.windows import Freeze
from testkit.decision_facts import (
    DEPLOYED,
    FACTS,
    NEWER,
    NOW,
    PROMOTED,
    RED,
    SOAKING,
    UNREAD,
    WINDOW,
    error_rate,
)

FREEZE = Freeze("production", NOW + timedelta(days=2), Outside("year-end freeze"))
GREEN = replace(RED, outcome=GateOutcome.PASS, error="", value="Synced, Healthy")
ERRORS = 'sum(rate(http_requests_total{code=~"5.."}[5m]))'
SPIKE = error_rate(ERRORS, GateOutcome.FAIL, "0.2", 4)
HOLDING = error_rate(ERRORS, GateOutcome.PASS, "0.001", 9)
CHECKS_RED = Reading(
    "commit", "smoke-test", "green", GateOutcome.FAIL, NOW, error="failing: smoke", kind=CHECKS
)
WEB_NO = Reading(
    "approved", "GET https://change.example.com", "/state == ok", GateOutcome.FAIL, NOW, "no", kind=WEB
)
WAITING = Waiting("1.1.0", None, NOW + timedelta(hours=1), timedelta(hours=2))
RULES = [
    "error",
    "hold",
    "auto_rollback",
    "freeze",
    "signature",
    "promotion",
    "min_age",
    "policy",
    "gate",
    "window",
]
PROMOTION_RULES = [
    "error",
    "hold",
    "auto_rollback",
    "freeze",
    "signature",
    "promotion.hold",
    "promotion.gate",
    "promotion.metrics",
    "promotion.checks",
    "promotion.web",
    "promotion.soak",
    "promotion",
    "min_age",
    "policy",
    "gate",
    "window",
]


def item(action: PlanAction = PlanAction.NONE, reason: str = "up to date", **kw: object) -> PlanItem:
    return PlanItem(
        "production",
        "example/app",
        "overlays/production/kustomization.yaml",
        "registry.example/app",
        "semver",
        action,
        reason,
        DEPLOYED,
        **kw,  # type: ignore[arg-type]
    )


def rollback(*, ready: bool) -> RollbackVerdict:
    held = () if ready else ("rolls back at 15:07 unless it recovers",)
    failing = Failure("Degraded (progress deadline exceeded)", NOW - timedelta(minutes=3))
    return RollbackVerdict("production", timedelta(minutes=10), "r-1", failing, held, pending=not ready)


def by_rule(steps: tuple[Step, ...]) -> dict[str, Step]:
    return {s.rule: s for s in steps}


# (the item, its facts, what the source runs) -> the winning rule, its verdict, the decision
TABLE: list[tuple[str, PlanItem, Facts, Deployed | None, str, Standing, DecisionAction, DecisionRule]] = [
    ("error", item(PlanAction.SKIP, "registry refused"), FACTS, None, "error", Standing.BLOCKING,
     DecisionAction.SKIP, DecisionRule.ERROR),
    ("hold", item(PlanAction.HELD, "held: incident 42"), FACTS, None, "hold", Standing.BLOCKING,
     DecisionAction.BLOCKED, DecisionRule.HOLD),
    ("rollback due", item(), replace(FACTS, rollback=rollback(ready=True), auto_rollback=True), None,
     "auto_rollback", Standing.BLOCKING, DecisionAction.ROLLBACK, DecisionRule.AUTO_ROLLBACK),
    ("rollback pending", item(), replace(FACTS, rollback=rollback(ready=False), auto_rollback=True), None,
     "auto_rollback", Standing.BLOCKING, DecisionAction.WAIT, DecisionRule.AUTO_ROLLBACK),
    ("freeze", item(PlanAction.UPDATE, "1.1.0"), replace(FACTS, freeze=FREEZE), None, "freeze",
     Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.FREEZE),
    ("signature", item(PlanAction.SKIP, "1.1.0 not verified", verification=Verification(False, "no signature")),
     FACTS, None, "signature", Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.SIGNATURE),
    ("promotion hold", item(), replace(PROMOTED, held_moving=(("example/worker", "load test"),)), NEWER,
     "promotion.hold", Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.HOLD),
    ("source gate", item(), replace(PROMOTED, source_gate=RED), NEWER, "promotion.gate", Standing.BLOCKING,
     DecisionAction.BLOCKED, DecisionRule.GATE),
    ("source metrics", item(), replace(PROMOTED, source_metrics=(HOLDING, SPIKE)), NEWER, "promotion.metrics",
     Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.METRICS),
    ("source checks", item(), replace(PROMOTED, source_metrics=(CHECKS_RED,)), NEWER, "promotion.checks",
     Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.CHECKS),
    ("source web", item(), replace(PROMOTED, source_metrics=(WEB_NO,)), NEWER, "promotion.web",
     Standing.BLOCKING, DecisionAction.BLOCKED, DecisionRule.WEB),
    ("soaking", item(), replace(PROMOTED, auto_promote=True, soak=SOAKING), NEWER, "promotion.soak",
     Standing.BLOCKING, DecisionAction.WAIT, DecisionRule.SOAK),
    ("soaked", item(), replace(PROMOTED, auto_promote=True, soak=replace(SOAKING, held=())), NEWER,
     "promotion.soak", Standing.PASSED, DecisionAction.PROPOSE, DecisionRule.SOAK),
    ("source unread", item(), replace(PROMOTED, source_gate=UNREAD), NEWER, "promotion", Standing.BLOCKING,
     DecisionAction.UNKNOWN, DecisionRule.GATE),
    ("promote", item(), PROMOTED, NEWER, "promotion", Standing.PASSED, DecisionAction.PROMOTE,
     DecisionRule.PROMOTION),
    ("same as source", item(), PROMOTED, DEPLOYED, "promotion", Standing.PASSED, DecisionAction.UP_TO_DATE,
     DecisionRule.PROMOTION),
    ("min_age waits", item(reason="newer 1.1.0 waiting", waiting=WAITING), FACTS, None, "min_age",
     Standing.BLOCKING, DecisionAction.WAIT, DecisionRule.MIN_AGE),
    ("min_age merge waits", item(PlanAction.UPDATE, "1.1.0", waiting=replace(WAITING, seen=NOW, proposed=True)),
     FACTS, None, "min_age", Standing.BLOCKING, DecisionAction.PROPOSE, DecisionRule.MIN_AGE),
    ("policy proposes", item(PlanAction.UPDATE, "highest of 4 ^1"), FACTS, None, "policy", Standing.PASSED,
     DecisionAction.PROPOSE, DecisionRule.POLICY),
    ("up to date", item(), FACTS, None, "policy", Standing.PASSED, DecisionAction.UP_TO_DATE, DecisionRule.POLICY),
    ("own gate red", item(), replace(FACTS, gate=replace(RED, gate="app-production")), None, "gate",
     Standing.BLOCKING, DecisionAction.UP_TO_DATE, DecisionRule.GATE),
    ("own metrics red", item(), replace(FACTS, metrics=(SPIKE,)), None, "gate", Standing.BLOCKING,
     DecisionAction.UP_TO_DATE, DecisionRule.METRICS),
    ("window waits", item(PlanAction.UPDATE, "highest of 4 ^1"), replace(FACTS, window=WINDOW, commits=True),
     None, "window", Standing.BLOCKING, DecisionAction.WAIT, DecisionRule.WINDOW),
    ("window defers", item(PlanAction.UPDATE, "highest of 4 ^1"), replace(FACTS, window=WINDOW), None,
     "window", Standing.BLOCKING, DecisionAction.PROPOSE, DecisionRule.WINDOW),
]  # fmt: skip


@pytest.mark.parametrize(("case", "it", "facts", "promoted", "rule", "verdict", "action", "decided"), TABLE,
                         ids=[t[0] for t in TABLE])  # fmt: skip
def test_each_rule_wins_its_case_and_the_decision_is_the_winners(
    case: str,
    it: PlanItem,
    facts: Facts,
    promoted: Deployed | None,
    rule: str,
    verdict: Standing,
    action: DecisionAction,
    decided: DecisionRule,
) -> None:
    steps = chain(it, facts, promoted)
    assert [s.rule for s in steps] == (PROMOTION_RULES if facts.promote_from else RULES)
    (won,) = [s for s in steps if s.wins]
    assert (won.rule, won.verdict) == (rule, verdict), case
    assert won.decision is not None and (won.decision.action, won.decision.rule) == (action, decided)
    assert winner(steps) == decide(it, facts, promoted) == won.decision
    # every rule above the winner let the release through (or had nothing to judge)
    above = steps[: steps.index(won)]
    assert all(s.verdict is not Standing.BLOCKING for s in above), [(s.rule, s.verdict) for s in above]


def test_a_freeze_outranks_a_closed_window_and_a_waiting_min_age_which_still_say_until_when() -> None:
    young = item(reason="newer 1.1.0 waiting", waiting=WAITING)
    steps = by_rule(chain(young, replace(FACTS, freeze=FREEZE, window=WINDOW)))
    assert steps["freeze"].wins and steps["freeze"].until == FREEZE.until
    assert steps["freeze"].evidence["reason"] == "year-end freeze"
    assert (steps["min_age"].verdict, steps["min_age"].until) == (Standing.BLOCKING, WAITING.until)
    assert not steps["min_age"].wins
    # the window holds back only what would land: min_age's wait lands nothing now
    assert steps["window"].verdict is Standing.PASSED and steps["window"].until == WINDOW.until
    landing = by_rule(chain(item(PlanAction.UPDATE, "1.1.0"), replace(FACTS, freeze=FREEZE, window=WINDOW)))
    assert (landing["window"].verdict, landing["window"].wins) == (Standing.BLOCKING, False)


def test_rules_not_configured_say_not_applicable_and_configured_ones_that_hold_say_passed() -> None:
    plain = by_rule(chain(item(PlanAction.UPDATE, "1.1.0"), FACTS))
    assert plain["auto_rollback"].verdict is Standing.NOT_APPLICABLE
    assert plain["signature"].verdict is Standing.NOT_APPLICABLE
    assert plain["promotion"].verdict is Standing.NOT_APPLICABLE
    assert plain["gate"].verdict is Standing.NOT_APPLICABLE
    assert (plain["freeze"].verdict, plain["hold"].verdict, plain["error"].verdict) == (Standing.PASSED,) * 3
    healthy = replace(
        FACTS, auto_rollback=True, gate=replace(GREEN, gate="app-production"), metrics=(HOLDING,)
    )
    signed = item(PlanAction.UPDATE, "1.1.0", verification=Verification(True, "signed by key release"))
    steps = by_rule(chain(signed, healthy))
    assert steps["auto_rollback"].verdict is Standing.PASSED
    assert (
        steps["signature"].verdict is Standing.PASSED and steps["signature"].reason == "signed by key release"
    )
    assert steps["gate"].verdict is Standing.PASSED and steps["gate"].since == HOLDING.since


def test_a_promotions_rules_show_each_source_gate_and_a_soak_since_and_until_when() -> None:
    facts = replace(PROMOTED, source_gate=GREEN, source_metrics=(HOLDING,), auto_promote=True, soak=SOAKING)
    steps = by_rule(chain(item(), facts, NEWER))
    assert steps["promotion.gate"].verdict is Standing.PASSED
    assert (steps["promotion.metrics"].verdict, steps["promotion.metrics"].since) == (
        Standing.PASSED,
        HOLDING.since,
    )
    assert steps["promotion.checks"].verdict is Standing.NOT_APPLICABLE
    soak = steps["promotion.soak"]
    assert soak.wins and (soak.since, soak.until) == (SOAKING.since, SOAKING.until)
    assert (
        steps["min_age"].verdict is Standing.NOT_APPLICABLE
        and steps["policy"].verdict is Standing.NOT_APPLICABLE
    )
    # a red gate below a red Argo CD is outranked, and says so
    both = by_rule(chain(item(), replace(facts, source_gate=RED, source_metrics=(SPIKE,)), NEWER))
    assert both["promotion.gate"].wins
    assert (both["promotion.metrics"].verdict, both["promotion.metrics"].wins) == (Standing.BLOCKING, False)
    # a gate that could not be read is unknown where it is read, and decided on after the soak
    unread = by_rule(chain(item(), replace(PROMOTED, source_gate=UNREAD), NEWER))
    assert unread["promotion.gate"].verdict is Standing.UNKNOWN and unread["promotion"].wins


def test_a_closed_window_beyond_a_proposals_min_age_is_outranked_and_says_until_when() -> None:
    """Its merge waits longer for min_age than for the window: min_age decides, the window
    still holds the release back until it opens."""
    late = replace(WAITING, until=NOW + timedelta(hours=10), seen=NOW, proposed=True)  # past the window
    steps = by_rule(chain(item(PlanAction.UPDATE, "1.1.0", waiting=late), replace(FACTS, window=WINDOW)))
    assert steps["min_age"].wins
    assert (steps["window"].verdict, steps["window"].wins, steps["window"].until) == (
        Standing.BLOCKING,
        False,
        WINDOW.until,
    )


def test_the_chain_as_json_names_each_rule_verdict_and_the_instants() -> None:
    steps = chain(item(PlanAction.UPDATE, "1.1.0"), replace(FACTS, freeze=FREEZE))
    doc = by_rule(steps)["freeze"].to_json()
    assert doc == {
        "rule": "freeze",
        "verdict": "blocking",
        "decides": True,
        "reason": FREEZE.text(),
        "since": None,
        "until": "2026-11-22T15:00:00Z",
        "evidence": dict(FREEZE.evidence()),
    }
