"""The one decision: its precedence, one scenario per kind of decision, and the docs table of
every kind (``docs/concepts/decisions.md``) held to what the code decides and how every surface
reads it, so neither drifts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.core.model import (
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    PlanAction,
    PlanItem,
    Verification,
    Waiting,
)
from gitops_bot.gate.checks import CHECKS
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.gate.web import WEB
from gitops_bot.output.status_cells import Tone, decision_cell
from gitops_bot.release.autorollback import Failure, RollbackDecision
from gitops_bot.release.decision import Facts, decide
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

DOCS = Path(__file__).parents[3] / "docs/concepts/decisions.md"


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


FREEZE = Freeze("production", NOW + timedelta(days=2), "year-end freeze")
FAILING = Failure("Degraded (progress deadline exceeded)", NOW - timedelta(minutes=3))

ERRORS = 'sum(rate(http_requests_total{env="staging",code=~"5.."}[5m]))'
SPIKE = error_rate(ERRORS, GateOutcome.FAIL, "0.2", 4)
HOLDING = error_rate(ERRORS, GateOutcome.PASS, "0.001", 9)
CHECKS_RED = Reading(
    "commit",
    "smoke-test on 3f2c1a9b8e7d",
    "green",
    GateOutcome.FAIL,
    NOW,
    error="failing: smoke-test (failure)",
    kind=CHECKS,
)
WEB_NO = Reading(
    "change-approved",
    "GET https://change.example.com/api",
    "/state == approved",
    GateOutcome.FAIL,
    NOW,
    "pending",
    kind=WEB,
)


def verdict(*, pending: bool, ready: bool = False) -> RollbackDecision:
    held = () if ready else ("rolls back at 15:07 unless it recovers",)
    return RollbackDecision("production", timedelta(minutes=10), "r-1", FAILING, held, pending=pending)


# one scenario per kind of decision: (what it is, the item, the facts, the promoted value)
SCENARIOS: dict[tuple[DecisionAction, DecisionRule], tuple[PlanItem, Facts, Deployed | None]] = {
    (DecisionAction.SKIP, DecisionRule.ERROR): (item(PlanAction.SKIP, "registry refused"), FACTS, None),
    (DecisionAction.ROLLBACK, DecisionRule.AUTO_ROLLBACK): (
        item(),
        replace(FACTS, rollback=verdict(pending=False, ready=True)),
        None,
    ),
    (DecisionAction.WAIT, DecisionRule.AUTO_ROLLBACK): (
        item(),
        replace(FACTS, rollback=verdict(pending=True)),
        None,
    ),
    (DecisionAction.BLOCKED, DecisionRule.FREEZE): (
        item(PlanAction.UPDATE, "1.1.0"),
        replace(FACTS, freeze=FREEZE),
        None,
    ),
    (DecisionAction.BLOCKED, DecisionRule.HOLD): (item(PlanAction.HELD, "held: incident 42"), FACTS, None),
    (DecisionAction.BLOCKED, DecisionRule.SIGNATURE): (
        item(
            PlanAction.SKIP,
            "1.1.0 not verified: no signature",
            verification=Verification(False, "no signature"),
        ),
        FACTS,
        None,
    ),
    (DecisionAction.WAIT, DecisionRule.WINDOW): (
        item(PlanAction.UPDATE, "highest of 4 ^1"),
        replace(FACTS, window=WINDOW, commits=True),
        None,
    ),
    (DecisionAction.PROMOTE, DecisionRule.WINDOW): (item(), replace(PROMOTED, window=WINDOW), NEWER),
    (DecisionAction.PROPOSE, DecisionRule.WINDOW): (
        item(PlanAction.UPDATE, "highest of 4 ^1"),
        replace(FACTS, window=WINDOW),
        None,
    ),
    (DecisionAction.BLOCKED, DecisionRule.GATE): (item(), replace(PROMOTED, source_gate=RED), NEWER),
    (DecisionAction.BLOCKED, DecisionRule.METRICS): (
        item(),
        replace(PROMOTED, source_metrics=(SPIKE,)),
        NEWER,
    ),
    (DecisionAction.UP_TO_DATE, DecisionRule.METRICS): (item(), replace(FACTS, metrics=(SPIKE,)), None),
    (DecisionAction.BLOCKED, DecisionRule.CHECKS): (
        item(),
        replace(PROMOTED, source_metrics=(CHECKS_RED,)),
        NEWER,
    ),
    (DecisionAction.UP_TO_DATE, DecisionRule.CHECKS): (item(), replace(FACTS, metrics=(CHECKS_RED,)), None),
    (DecisionAction.BLOCKED, DecisionRule.WEB): (item(), replace(PROMOTED, source_metrics=(WEB_NO,)), NEWER),
    (DecisionAction.UP_TO_DATE, DecisionRule.WEB): (item(), replace(FACTS, metrics=(WEB_NO,)), None),
    (DecisionAction.WAIT, DecisionRule.SOAK): (
        item(),
        replace(PROMOTED, auto_promote=True, soak=SOAKING),
        NEWER,
    ),
    (DecisionAction.PROPOSE, DecisionRule.SOAK): (
        item(),
        replace(PROMOTED, auto_promote=True, soak=replace(SOAKING, held=())),
        NEWER,
    ),
    (DecisionAction.UNKNOWN, DecisionRule.GATE): (item(), replace(PROMOTED, source_gate=UNREAD), NEWER),
    (DecisionAction.UNKNOWN, DecisionRule.METRICS): (
        item(),
        replace(PROMOTED, source_metrics=(replace(SPIKE, outcome=GateOutcome.UNKNOWN, error="refused"),)),
        NEWER,
    ),
    (DecisionAction.UNKNOWN, DecisionRule.CHECKS): (
        item(),
        replace(PROMOTED, source_metrics=(replace(CHECKS_RED, outcome=GateOutcome.UNKNOWN),)),
        NEWER,
    ),
    (DecisionAction.UNKNOWN, DecisionRule.WEB): (
        item(),
        replace(PROMOTED, source_metrics=(replace(WEB_NO, outcome=GateOutcome.UNKNOWN, error="timed out"),)),
        NEWER,
    ),
    (DecisionAction.PROMOTE, DecisionRule.PROMOTION): (item(), PROMOTED, NEWER),
    (DecisionAction.UP_TO_DATE, DecisionRule.PROMOTION): (item(), PROMOTED, DEPLOYED),
    (DecisionAction.UP_TO_DATE, DecisionRule.GATE): (
        item(),
        replace(FACTS, gate=replace(RED, gate="app-production")),
        None,
    ),
    (DecisionAction.WAIT, DecisionRule.MIN_AGE): (
        item(
            reason="up to date; newer 1.1.0 waiting",
            waiting=Waiting("1.1.0", None, NOW + timedelta(hours=1), timedelta(hours=2)),
        ),
        FACTS,
        None,
    ),
    (DecisionAction.UNKNOWN, DecisionRule.MIN_AGE): (
        item(
            reason="not decided: 1.1.0's push time could not be read: GitHub Packages: answered HTTP 503",
            waiting=Waiting(
                "1.1.0", None, None, timedelta(hours=2), unread="push time could not be read: GitHub Packages"
            ),
        ),
        FACTS,
        None,
    ),
    (DecisionAction.PROPOSE, DecisionRule.MIN_AGE): (
        item(
            PlanAction.UPDATE,
            "highest of 4 ^1; merge waiting until 2026-11-23T13:00:00Z",
            waiting=Waiting(
                "1.1.0", None, NOW + timedelta(hours=1), timedelta(hours=2), seen=NOW, proposed=True
            ),
        ),
        FACTS,
        None,
    ),
    (DecisionAction.PROPOSE, DecisionRule.POLICY): (item(PlanAction.UPDATE, "highest of 4 ^1"), FACTS, None),
    (DecisionAction.UP_TO_DATE, DecisionRule.POLICY): (item(), FACTS, None),
}


@pytest.mark.parametrize("kind", list(SCENARIOS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_each_scenario_is_decided_as_its_kind(kind: tuple[DecisionAction, DecisionRule]) -> None:
    it, facts, promoted = SCENARIOS[kind]
    d = decide(it, facts, promoted)
    assert (d.action, d.rule) == kind, d
    assert "\n" not in d.reason and d.reason


def test_precedence_a_hold_beats_a_due_rollback_beats_a_freeze_beats_the_gate_beats_the_window() -> None:
    everything = replace(
        PROMOTED,
        rollback=verdict(pending=False, ready=True),
        freeze=FREEZE,
        window=WINDOW,
        source_gate=RED,
        auto_promote=True,
        soak=SOAKING,
    )
    held = item(PlanAction.HELD, "held: auto-rollback: 1.1.0 rolled back")
    assert decide(held, everything, NEWER).rule is DecisionRule.HOLD  # never rolled back twice
    assert decide(item(), everything, NEWER).rule is DecisionRule.AUTO_ROLLBACK
    assert decide(item(), replace(everything, rollback=None), NEWER).rule is DecisionRule.FREEZE
    free = replace(everything, rollback=None, freeze=None)
    assert decide(item(), free, NEWER).rule is DecisionRule.GATE
    assert decide(item(), replace(free, source_gate=None), NEWER).rule is DecisionRule.SOAK  # waits anyway
    soaked = replace(free, source_gate=None, soak=replace(SOAKING, held=()))
    d = decide(item(), soaked, NEWER)
    assert (d.action, d.rule, d.until) == (DecisionAction.PROPOSE, DecisionRule.WINDOW, WINDOW.until)
    assert d.evidence["decided_by"] == "soak"


def test_a_freeze_carries_its_end_and_reason_and_a_rollback_held_by_hand_is_not_the_rules() -> None:
    d = decide(item(), replace(FACTS, freeze=FREEZE))
    assert d.until == FREEZE.until and d.evidence["reason"] == "year-end freeze"
    by_hand = replace(verdict(pending=False), held=("its last change was made by hand",))
    assert decide(item(), replace(FACTS, rollback=by_hand)).rule is DecisionRule.POLICY


def test_an_unreadable_source_gate_is_unknown_with_its_reason_never_advice_to_promote() -> None:
    """``promote`` asks the same gate and refuses while it cannot read it: the decision names
    the service and why, and sends no one to a command that will refuse."""
    d = decide(item(), replace(PROMOTED, source_gate=UNREAD), NEWER)
    assert (d.action, d.rule) == (DecisionAction.UNKNOWN, DecisionRule.GATE)
    assert d.reason == (
        "staging's gate app-staging could not be read: Argo CD at https://argocd.example is unavailable (503)"
    )
    assert d.evidence == {"application": "app-staging", "reading": UNREAD.error}
    assert "gitops-bot promote" not in d.text()
    # a red reading is a definite answer, and beats one that could not be read
    assert decide(item(), replace(PROMOTED, source_gate=UNREAD, source_metrics=(SPIKE,)), NEWER).action is (
        DecisionAction.BLOCKED
    )
    assert decide(item(), replace(PROMOTED, source_gate=UNREAD), DEPLOYED).action is DecisionAction.UP_TO_DATE
    # a closed window changes nothing: there is nothing to defer
    windowed = decide(item(), replace(PROMOTED, source_gate=UNREAD, window=WINDOW), NEWER)
    assert (windowed.action, windowed.rule) == (DecisionAction.UNKNOWN, DecisionRule.GATE)


def _docs_rows() -> dict[str, list[str]]:
    rows = {}
    table = DOCS.read_text().split("## Every decision, on every surface", 1)[1].split("\n## ", 1)[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) > 2:
            rows[cells[0].strip("`")] = cells
    return rows


TONES = {Tone.OK: "green", Tone.WARN: "yellow", Tone.HELD: "magenta", Tone.BAD: "red"}


def test_the_docs_table_lists_every_kind_with_how_every_surface_reads_it() -> None:
    rows = _docs_rows()
    labels = {}
    for it, facts, promoted in SCENARIOS.values():
        d = decide(it, facts, promoted)
        labels[d.label()] = d
    assert set(rows) == set(labels), "docs/concepts/decisions.md lists another set of decisions"
    for label, d in labels.items():
        _, tone = decision_cell(d)
        assert TONES[tone] in rows[label][2], (label, rows[label])  # the colour status and the page use
    # every kind the enums allow is either in the table or impossible by construction
    assert len(labels) == len(SCENARIOS)


def test_the_label_names_the_rule_unless_it_is_the_policys_plain_answer() -> None:
    assert Decision(DecisionAction.UP_TO_DATE, DecisionRule.POLICY, "up to date").label() == "up to date"
    d = Decision(DecisionAction.WAIT, DecisionRule.SOAK, "soaked 20m of 1h", NOW)
    assert d.label() == "wait (soak)"
    assert d.text() == "wait (soak): soaked 20m of 1h until 2026-11-20T15:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d.to_json()["until"])


def test_a_promotion_that_would_change_a_held_image_holds_every_row_back() -> None:
    """``promote`` (and the automatic promotion) refuse as a whole while an image they would
    change is held: the other images' rows say so rather than "promote"."""
    facts = replace(PROMOTED, held_moving=(("example/worker", "load test running"),))
    d = decide(item(), facts, NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.HOLD)
    assert d.reason == (
        "the promotion from staging would change example/worker, which production holds (load test running)"
    )
    assert decide(item(), facts, DEPLOYED).action is DecisionAction.UP_TO_DATE  # nothing to promote here


def test_a_source_naming_the_tag_the_target_pins_is_no_promotion() -> None:
    """Staging declares ``worker:main-1`` (a tag, no digest) and production ``worker:main-1@sha``,
    pinned by the last promotion: promoting resolves the tag to the digest production has, so
    there is nothing to promote, and no surface may say "promote"."""
    by_tag = Deployed("example/app", "registry.example/app", "1.0.0", None)
    assert decide(item(), PROMOTED, by_tag).action is DecisionAction.UP_TO_DATE
    assert decide(item(), PROMOTED, NEWER).action is DecisionAction.PROMOTE
    other_tag = Deployed("example/app", "registry.example/app", "1.1.0", None)
    assert decide(item(), PROMOTED, other_tag).action is DecisionAction.PROMOTE


def test_a_failing_metrics_gate_of_the_source_blocks_with_its_verdict_as_evidence() -> None:
    """The gate's name, query, value, threshold and since when: on every surface."""
    d = decide(item(), replace(PROMOTED, source_metrics=(HOLDING, SPIKE)), NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.METRICS)
    assert d.reason == (
        f"staging's metrics gate error-rate ({ERRORS}) fails since 2026-11-20T14:56:00Z: 0.2, not < 0.01"
    )
    assert d.evidence == {
        "gate": "error-rate",
        "query": ERRORS,
        "condition": "< 0.01",
        "verdict": "fail",
        "value": "0.2",
        "since": "2026-11-20T14:56:00Z",
    }


def test_no_data_blocks_as_a_failure_does_and_says_so() -> None:
    empty = Reading("error-rate", ERRORS, "< 0.01", GateOutcome.NO_DATA, NOW, kind=METRICS)
    d = decide(item(), replace(PROMOTED, source_metrics=(empty,)), NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.METRICS)
    assert "has no data" in d.reason and d.evidence["verdict"] == "no data"


def test_an_unknown_metrics_gate_never_promotes_on_its_own_and_a_person_is_told() -> None:
    unknown = Reading(
        "error-rate", ERRORS, "< 0.01", GateOutcome.UNKNOWN, NOW, error="refused the query", kind=METRICS
    )
    auto = decide(item(), replace(PROMOTED, auto_promote=True, source_metrics=(unknown,)), NEWER)
    assert (auto.action, auto.rule) == (DecisionAction.WAIT, DecisionRule.SOAK)
    assert auto.reason.startswith("not decided: metrics gate error-rate")
    by_hand = decide(item(), replace(PROMOTED, source_metrics=(unknown,)), NEWER)
    assert (by_hand.action, by_hand.rule) == (DecisionAction.UNKNOWN, DecisionRule.METRICS)
    assert by_hand.reason == f"staging's metrics gate error-rate ({ERRORS}) is unknown: refused the query"
    assert by_hand.evidence["verdict"] == "unknown" and "gitops-bot promote" not in by_hand.text()


def test_precedence_argo_cd_beats_the_metrics_gate_which_beats_the_soak() -> None:
    both = replace(PROMOTED, source_gate=RED, source_metrics=(SPIKE,), auto_promote=True, soak=SOAKING)
    assert decide(item(), both, NEWER).rule is DecisionRule.GATE
    assert decide(item(), replace(both, source_gate=None), NEWER).rule is DecisionRule.METRICS
    held = replace(both, source_gate=None, source_metrics=(HOLDING,))
    d = decide(item(), held, NEWER)
    assert (d.action, d.rule) == (DecisionAction.WAIT, DecisionRule.SOAK)
    # a freeze still beats a failing metrics gate, and a hold beats both
    assert decide(item(), replace(both, freeze=FREEZE), NEWER).rule is DecisionRule.FREEZE


def test_a_soak_restarted_by_a_spike_says_since_when_the_gate_holds() -> None:
    restarted = replace(SOAKING, since=HOLDING.since, metrics=(HOLDING,))
    d = decide(item(), replace(PROMOTED, auto_promote=True, soak=restarted), NEWER)
    assert d.evidence["since"] == "2026-11-20T14:51:00Z"
    assert "holds since 2026-11-20T14:51:00Z" in d.evidence["metrics"]


def test_the_forge_checks_and_a_web_gate_block_a_promotion_with_their_own_rule_and_words() -> None:
    d = decide(item(), replace(PROMOTED, source_metrics=(HOLDING, CHECKS_RED)), NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.CHECKS)
    assert d.reason == (
        "staging's checks gate commit (smoke-test on 3f2c1a9b8e7d) fails: failing: smoke-test (failure)"
    )
    assert d.evidence["kind"] == "checks"
    pending = replace(CHECKS_RED, outcome=GateOutcome.NO_DATA, error="not finished: smoke-test (in_progress)")
    d = decide(item(), replace(PROMOTED, source_metrics=(pending,)), NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.CHECKS)
    assert d.reason.endswith("has no answer yet: not finished: smoke-test (in_progress)")
    d = decide(item(), replace(PROMOTED, source_metrics=(WEB_NO,)), NEWER)
    assert (d.action, d.rule) == (DecisionAction.BLOCKED, DecisionRule.WEB)
    assert d.reason == (
        "staging's web gate change-approved (GET https://change.example.com/api) fails: pending, "
        "not /state == approved"
    )
    green = replace(WEB_NO, outcome=GateOutcome.PASS, value="approved")
    assert decide(item(), replace(PROMOTED, source_metrics=(green,)), NEWER).action is DecisionAction.PROMOTE


def test_a_merge_waiting_for_min_age_and_a_window_waits_for_the_later_of_the_two() -> None:
    def proposed(until: datetime) -> PlanItem:
        w = Waiting("1.1.0", None, until, timedelta(hours=1), seen=until - timedelta(hours=1), proposed=True)
        return item(PlanAction.UPDATE, "highest of 4 ^1", waiting=w)

    assert WINDOW.until is not None
    later = decide(proposed(WINDOW.until + timedelta(hours=1)), replace(FACTS, window=WINDOW))
    assert (later.action, later.rule) == (DecisionAction.PROPOSE, DecisionRule.MIN_AGE)
    assert later.until == WINDOW.until + timedelta(hours=1)
    sooner = decide(proposed(WINDOW.until - timedelta(hours=1)), replace(FACTS, window=WINDOW))
    assert (sooner.action, sooner.rule, sooner.until) == (
        DecisionAction.PROPOSE,
        DecisionRule.WINDOW,
        WINDOW.until,
    )
    assert sooner.evidence["decided_by"] == "min_age"
