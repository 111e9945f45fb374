"""The plan item of a chart in an environment: pure decisions over the version written, the
environment's mode and the policy's choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import ChartConfig, Config, EnvironmentConfig, PolicyConfig
from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import ArtifactKind, Choice, PlanAction
from gitops_bot.policy import Policy
from gitops_bot.release import promotion
from gitops_bot.release.planning import ChartTarget, chart_item

CHART = ChartConfig("podinfo", "https://stefanprodan.github.io/podinfo", PolicyConfig(range="^1"))
STAGING = EnvironmentConfig("staging", ("apps/staging",))
PRODUCTION = EnvironmentConfig("production", ("apps/production",), promote_from="staging")
VERSIONS = ["1.0.0", "1.2.1", "2.0.0", "1.3.0-rc.1"]


def _target(version: str | None, env: EnvironmentConfig = STAGING, exact: bool = True) -> ChartTarget:
    return ChartTarget(env, CHART, "apps/staging/Chart.yaml", version, exact)


def _choice(current: str) -> Choice:
    return Policy(CHART.policy).choose(VERSIONS, current)


def test_a_newer_version_within_the_range_is_an_update_of_kind_chart() -> None:
    item = chart_item(_target("1.0.0"), _choice("1.0.0"))
    assert item.action is PlanAction.UPDATE and item.kind is ArtifactKind.CHART
    assert item.candidate is not None and item.candidate.tag == "1.2.1"
    assert item.to_json()["current"] == {"version": "1.0.0"}
    assert item.to_json()["candidate"] == {"version": "1.2.1"}
    assert item.to_json()["chart"] == "podinfo"


def test_the_deployed_best_version_is_up_to_date() -> None:
    item = chart_item(_target("1.2.1"), _choice("1.2.1"))
    assert (item.action, item.reason) == (PlanAction.NONE, "up to date")


@pytest.mark.parametrize(
    ("target", "listed", "action", "reason"),
    [
        (_target(None), None, PlanAction.SKIP, "no file staging renders pins chart 'podinfo'"),
        (_target("1.0.0", PRODUCTION), None, PlanAction.NONE, "receives promotions from staging"),
        (
            _target("^1.0", exact=False),
            None,
            PlanAction.NONE,
            "range ^1.0 at apps/staging/Chart.yaml is resolved when the chart is installed",
        ),
        (_target("1.0.0"), "chart repository x: HTTP 404", PlanAction.SKIP, "HTTP 404"),
        (
            _target("1.0.0"),
            Choice(None, "no tag among 0 matches semver ^1"),
            PlanAction.SKIP,
            "no tag among 0",
        ),
        (
            ChartTarget(STAGING, CHART, "base/Chart.yaml", "1.0.0", line=7, shared_with=("production",)),
            Choice("1.2.1", "highest of 2 tags matching semver ^1"),
            PlanAction.SKIP,
            "pinned in base/Chart.yaml:7, which production renders too; a release for staging alone "
            "does not edit it (fix: give staging a file of its own pinning it; releases then go there)",
        ),
    ],
    ids=["not-pinned", "promotion-only", "range", "unreadable", "nothing-matches", "shared"],
)
def test_what_cannot_or_need_not_change_says_why(
    target: ChartTarget, listed: Choice | str | None, action: PlanAction, reason: str
) -> None:
    item = chart_item(target, listed)
    assert item.action is action and reason in item.reason
    assert item.candidate is None or action is PlanAction.NONE


def test_a_chart_can_be_held_and_named_in_a_promotion_but_an_unknown_name_cannot() -> None:
    cfg = Config(Path("gitops-bot.yaml"), (), (STAGING, PRODUCTION), charts=(CHART,))
    rel, notes = promotion.hold(cfg, {}, "production", "podinfo", "waiting for 1.3")
    assert rel is not None and rel.holds == (("podinfo", "waiting for 1.3"),) and notes == []
    assert promotion.environments(cfg, "staging", "production", only=["podinfo"], force=False)
    with pytest.raises(UsageError, match="unknown image 'nginx'"):
        promotion.hold(cfg, {}, "production", "nginx", None)
