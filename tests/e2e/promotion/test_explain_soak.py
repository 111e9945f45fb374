"""``explain`` predicts a soak's end, and the run at that instant does what it said: a real
registry and git remote, the spec-faithful GitHub and Argo CD servers, the bot's clock set by
the test.

Production has ``auto_promote: {from: staging, after: 1h}``. Half an hour into staging's soak,
``explain production`` says it waits (soak) and why, every rule before it passed or not
applicable, and that the decision next changes when the soak ends, an hour after staging turned
Healthy, to "propose (soak)". ``--at`` that instant says the same from the other side, and says
that it took Argo CD's reading as it reads now. A minute before that instant the run still
waits; at it, ``update`` opens the promotion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gitops_bot.commands.status import status as status_of
from gitops_bot.output import dashboard, status_html
from testkit.argocd_server import application
from testkit.markup import shown
from testkit.promotion_world import World, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, start
from testkit.surfaces import Section


def _production(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "production"]


def test_explain_predicts_the_soaks_end_and_the_run_then_opens_the_promotion(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()
    healthy_since, soaked = t0 + timedelta(minutes=1), t0 + timedelta(minutes=61)

    def staging(reconciled: timedelta) -> None:
        """Staging Healthy since t0 + 1m, Argo CD's last reading at t0 + ``reconciled``."""
        world.argocd.apps["app-staging"] = application(
            "app-staging",
            images,
            health_since=rfc3339(healthy_since),
            finished=rfc3339(t0),
            deployed=(rfc3339(t0 - timedelta(days=1)), rfc3339(t0)),
            reconciled=rfc3339(t0 + reconciled),
        )

    staging(timedelta(minutes=30))
    at(monkeypatch, t0 + timedelta(minutes=30))
    doc = run(capsys, world, "explain", "production", "example/app")
    assert doc["schema"] == "gitops-bot/explain/v1" and doc["environment"] == "production"
    (app,) = doc["images"]
    assert (app["decision"]["action"], app["decision"]["rule"]) == ("wait", "soak")
    steps = {s["rule"]: s for s in app["chain"]}
    soak = steps["promotion.soak"]
    assert soak["decides"] is True and soak["verdict"] == "blocking"
    assert (soak["since"], soak["until"]) == (rfc3339(healthy_since), rfc3339(soaked))
    (won,) = [s for s in app["chain"] if s["decides"]]
    before = app["chain"][: app["chain"].index(won)]
    assert {s["verdict"] for s in before} <= {"passed", "not applicable"}, before
    assert steps["promotion.gate"]["verdict"] == "passed"  # staging is green in Argo CD
    change = app["next_change"]
    assert change["at"] == rfc3339(soaked) and change["because"] == ["the soak ends"]
    assert (change["decision"]["action"], change["decision"]["rule"]) == ("propose", "soak")
    assert doc["next_change"] == {"image": "example/app", **change}

    # the status page and the dashboard issue say the same next change, and show the chain
    found = status_of(f"file://{world.remote}", environments=["production"])
    (image, upcoming) = found.next["production"]
    assert (image, upcoming.to_json()) == ("example/app", change)
    issue = dashboard.markdown(found)
    said = f"next change in production: example/app at {rfc3339(soaked)} (the soak ends): propose (soak)"
    assert said in shown(issue)
    assert "<summary>why production example/app: wait (soak)</summary>" in issue
    page = status_html.render([Section(None, t0, found)], "v1")
    assert f"<dt>Next change</dt><dd>example/app at {rfc3339(soaked)} (the soak ends)" in page
    assert '<details class="chain"><summary>Why: every rule, in precedence order</summary>' in page

    # the same question asked at that instant, and said to assume Argo CD reads as it reads now
    ahead = run(capsys, world, "explain", "production", "example/app", "--at", rfc3339(soaked))
    assert ahead["at"] == rfc3339(soaked) and ahead["now"] == rfc3339(t0 + timedelta(minutes=30))
    assert ahead["assumed"] == "gates, health, checks and the registry's contents are taken as they read now"
    (then,) = ahead["images"]
    assert then["decision"] == change["decision"]
    assert then["next_change"] is None

    # a minute before it, the run still waits; at it (Argo CD reconciling as it does), it opens
    staging(timedelta(minutes=59))
    at(monkeypatch, soaked - timedelta(minutes=1))
    (waits,) = _production(run(capsys, world, "update", "--env", "production"))
    assert waits["action"] == "unchanged" and world.github.open_pulls() == []
    staging(timedelta(minutes=61))
    at(monkeypatch, soaked)
    (opened,) = _production(run(capsys, world, "update", "--env", "production"))
    assert (opened["action"], opened["kind"]) == ("pull_request", "promotion"), opened["warnings"]
    (pr,) = world.github.open_pulls()
    assert pr["title"].startswith("production: promote from staging: ")
    assert world.github.unexpected == []


def test_explain_says_in_one_line_what_is_unknown_and_exits_2(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "unknown environment 'prod'" in run(capsys, world, "explain", "prod", code=2)["error"]
    missing = run(capsys, world, "explain", "production", "example/nothing", code=2)["error"]
    assert "production has no image 'example/nothing'" in missing and "example/app" in missing
    late = run(capsys, world, "explain", "production", "--at", "next friday", code=2)["error"]
    assert "--at 'next friday' is not an instant" in late
    assert (
        "outside"
        in run(capsys, world, "explain", "production", "--at", "9999-01-01T00:00:00Z", code=2)["error"]
    )
    assert (
        "before now"
        in run(capsys, world, "explain", "production", "--at", "2001-01-01T00:00:00Z", code=2)["error"]
    )
