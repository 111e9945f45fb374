"""A person's ``--force --reason`` (and ``--skip-gate``) is a fact the one decision weighs: the
rules it covers let the promotion through and say "overridden: REASON" with what they read;
the rules it does not cover still decide, the first red one of those winning."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from gitops_bot.core.model import DecisionAction, DecisionRule, PlanAction, PlanItem
from gitops_bot.core.outside import Outside
from gitops_bot.gate.reading import GateOutcome
from gitops_bot.release.decision import OVERRIDES, Facts, Override, Standing, chain, decide, safety, winner
from gitops_bot.release.windows import Freeze
from testkit.decision_facts import DEPLOYED, NEWER, NOW, PROMOTED, RED, error_rate

ITEM = PlanItem("production", "example/app", "", "", "", PlanAction.NONE, "", DEPLOYED)
FREEZE = Freeze("production", NOW + timedelta(days=2), Outside("year-end freeze"))
SPIKE = error_rate("rate(errors[5m])", GateOutcome.FAIL, "0.2")
DEGRADED = replace(RED, error="Degraded")
FORCED = frozenset({"freeze", "promotion.metrics", "promotion.checks", "promotion.web"})


def step(facts: Facts, rule: str) -> tuple[Standing, str, dict[str, str]]:
    (found,) = [s for s in chain(ITEM, facts, NEWER) if s.rule == rule]
    return found.verdict, found.reason, dict(found.evidence)


def test_a_forced_promotion_passes_the_freeze_and_a_red_metrics_gate_saying_why() -> None:
    facts = replace(PROMOTED, freeze=FREEZE, source_metrics=(SPIKE,), override=Override("hotfix", FORCED))
    d = decide(ITEM, facts, NEWER)
    assert (d.action, d.rule) == (DecisionAction.PROMOTE, DecisionRule.PROMOTION)
    verdict, reason, evidence = step(facts, "freeze")
    assert (verdict, reason) == (Standing.PASSED, "overridden: hotfix")
    assert evidence[OVERRIDES] == FREEZE.text()
    verdict, reason, evidence = step(facts, "promotion.metrics")
    assert (verdict, reason) == (Standing.PASSED, "overridden: hotfix")
    assert evidence[OVERRIDES] == SPIKE.text()


def test_force_does_not_pass_the_argo_cd_gate_skip_gate_does() -> None:
    facts = replace(
        PROMOTED, source_gate=DEGRADED, source_metrics=(SPIKE,), override=Override("hotfix", FORCED)
    )
    d = decide(ITEM, facts, NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.GATE)  # the one not overridden
    skipped = replace(facts, override=Override("hotfix", FORCED | {"promotion.gate"}))
    assert decide(ITEM, skipped, NEWER).action is DecisionAction.PROMOTE
    # without the override the first red gate (Argo CD's) decides, as before
    assert decide(ITEM, replace(facts, override=None), NEWER).rule is DecisionRule.GATE


def test_a_rollback_is_judged_by_its_freeze_alone() -> None:
    frozen = safety(replace(PROMOTED, freeze=FREEZE, source_gate=DEGRADED))
    assert winner(frozen).rule is DecisionRule.FREEZE and winner(frozen).until == FREEZE.until
    (passed,) = safety(replace(PROMOTED, freeze=FREEZE, override=Override("outage", FORCED)))
    assert passed.verdict is Standing.PASSED and not passed.wins and passed.reason == "overridden: outage"
