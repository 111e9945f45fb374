"""Each gate's kind words its own readings: the decision and the output ask a reading for its
text, what a decision about it says, its evidence and its rule, and never branch on which
gate it came from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.core.model import DecisionRule
from gitops_bot.gate import argocd
from gitops_bot.gate.checks import CHECKS
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.reading import GateKind, GateOutcome, Reading
from gitops_bot.gate.web import WEB

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SINCE = NOW - timedelta(minutes=5)


def test_each_kind_answers_the_rule_of_its_name_and_is_named_in_the_json_by_it() -> None:
    kinds: dict[GateKind, DecisionRule] = {
        argocd.ARGOCD: DecisionRule.GATE,
        METRICS: DecisionRule.METRICS,
        CHECKS: DecisionRule.CHECKS,
        WEB: DecisionRule.WEB,
    }
    for kind, rule in kinds.items():
        r = Reading("g", "q", "c", GateOutcome.FAIL, NOW, kind=kind)
        assert r.rule is rule
        assert str(kind) in {"argocd", "metrics", "checks", "web"}
    # a metrics reading's evidence has always been shown without a kind; the others name theirs
    assert "kind" not in Reading("g", "q", "c", GateOutcome.FAIL, NOW, kind=METRICS).evidence()
    assert Reading("g", "q", "c", GateOutcome.FAIL, NOW, kind=WEB).evidence()["kind"] == "web"


@pytest.mark.parametrize(
    ("kind", "outcome", "text"),
    [
        (METRICS, GateOutcome.PASS, "metrics gate errors (rate) holds since 2026-11-26T13:55:00Z: 0.1 < 1"),
        (
            METRICS,
            GateOutcome.FAIL,
            "metrics gate errors (rate) fails since 2026-11-26T13:55:00Z: 0.1, not < 1",
        ),
        (
            METRICS,
            GateOutcome.NO_DATA,
            "metrics gate errors (rate) has no data since 2026-11-26T13:55:00Z: an empty answer never passes",
        ),
        (WEB, GateOutcome.NO_DATA, "web gate errors (rate) has no answer yet: why"),
        (CHECKS, GateOutcome.FAIL, "checks gate errors (rate) fails: why"),
        (CHECKS, GateOutcome.UNKNOWN, "checks gate errors (rate) is unknown: why"),
    ],
)
def test_a_measured_gate_is_worded_by_its_kind(kind: GateKind, outcome: GateOutcome, text: str) -> None:
    r = Reading("errors", "rate", "< 1", outcome, NOW, "0.1", since=SINCE, error="why", kind=kind)
    assert r.text() == text
    assert r.said("staging") == f"staging's {text}"
    assert r.own() == f"its {text}"


def test_argo_cds_reading_names_its_applications_where_the_others_say_its() -> None:
    red = Reading(
        "app-prod",
        "",
        argocd.RULE,
        GateOutcome.FAIL,
        NOW,
        "Synced, Degraded",
        error="Degraded",
        kind=argocd.ARGOCD,
    )
    assert red.own() == "app-prod is not green in Argo CD (Degraded)"
    assert red.said("staging") == "staging is not green in Argo CD (Degraded)"
    assert red.evidence() == {"application": "app-prod", "reading": "Degraded"}
