"""A candidate held back by min_age shows in the text plan and, additively, in its JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import (
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    Plan,
    PlanAction,
    PlanItem,
    Waiting,
)
from gitops_bot.output.text import plan_text

WAITING = Waiting("1.3.0", "sha256:" + "a" * 64, datetime(2026, 3, 1, 13, tzinfo=UTC), timedelta(hours=2))


def item(waiting: Waiting | None) -> PlanItem:
    reason = f"up to date; newer {waiting.describe()}" if waiting else "up to date"
    return PlanItem(
        "prod",
        "app",
        "overlays/prod/kustomization.yaml",
        "reg/app",
        "semver",
        PlanAction.NONE,
        reason,
        Deployed("app", None, "1.2.0", None),
        waiting=waiting,
    )


def test_text_plan_says_until_when_a_newer_image_waits_and_counts_it() -> None:
    text = plan_text(Plan((EnvironmentPlan("prod", EnvironmentMode.REGISTRY, (item(WAITING),)),)))
    assert "1.3.0 waiting until 2026-03-01T13:00:00Z (min_age 2h)" in text
    assert text.endswith("0 to propose; 1 waiting; 0 blocked; 0 skipped")


def test_plan_json_gains_a_waiting_field_and_keeps_its_other_keys() -> None:
    held, plain = item(WAITING).to_json(), item(None).to_json()
    assert held["waiting"] == {
        "tag": "1.3.0",
        "digest": "sha256:" + "a" * 64,
        "until": "2026-03-01T13:00:00Z",
        "rule": "min_age",
        "min_age": "2h",
    }
    assert plain["waiting"] is None
    assert set(held) - {"waiting"} == {
        "image",
        "file",
        "repository",
        "policy",
        "action",
        "reason",
        "current",
        "candidate",
        "verification",
    }
