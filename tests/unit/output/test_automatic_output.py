"""An environment's automatic decisions (auto_promote, auto_rollback) show in the text plan,
one line each, and in its JSON only where a rule is configured (other plans read as before)."""

from __future__ import annotations

from gitops_bot.core.model import EnvironmentMode, EnvironmentPlan, Plan
from gitops_bot.output.text import plan_text

SOAKING = {
    "rule": "auto_promote",
    "from": "staging",
    "to": "production",
    "after": "1h",
    "since": "2026-11-23T09:01:00Z",
    "until": "2026-11-23T10:01:00Z",
    "ready": False,
    "held": ["staging has soaked 29m of 1h (Healthy and Synced since 2026-11-23T09:01:00Z)"],
}


def test_the_text_plan_says_what_holds_each_automatic_release_back() -> None:
    ready = {"rule": "auto_rollback", "ready": True, "held": []}
    env = EnvironmentPlan("production", EnvironmentMode.PROMOTION, (), "staging", automatic=(SOAKING, ready))
    lines = plan_text(Plan((env,))).splitlines()
    assert f"  auto_promote: {SOAKING['held'][0]}" in lines
    assert "  auto_rollback: ready" in lines


def test_the_json_plan_has_automatic_only_where_a_rule_is_configured() -> None:
    plain = EnvironmentPlan("staging", EnvironmentMode.REGISTRY, ())
    assert "automatic" not in plain.to_json()
    soaking = EnvironmentPlan("production", EnvironmentMode.PROMOTION, (), "staging", automatic=(SOAKING,))
    assert soaking.to_json()["automatic"] == [SOAKING]
