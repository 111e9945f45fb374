"""Promotion after soak end to end: a real registry and git remote, the spec-faithful GitHub
and Argo CD servers, and the bot's clock set by the test.

Production has ``auto_promote: {from: staging, after: 1h}``. Staging soaks; a Degraded blip
(recorded by Argo CD as a health transition) restarts the soak; once staging has been
Healthy and Synced for an hour since the blip, and Argo CD has reconciled since, ``update``
opens exactly the promotion pull request ``promote staging production`` would; a second run
changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.argocd_server import application
from testkit.promotion_world import World, add_files, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, staging_deployed, start
from testkit.update_world import git


def _production_warnings(out: dict[str, Any]) -> list[str]:
    return [w for r in out["results"] if r["environment"] == "production" for w in r["warnings"]]


def test_staging_soaks_an_hour_a_degraded_blip_restarts_the_clock_then_the_promotion_opens_once(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    digest = images[0].split("@")[1]
    t0 = start()

    def staging(health: str, since: timedelta, reconciled: timedelta) -> None:
        world.argocd.apps["app-staging"] = application(
            "app-staging",
            images,
            health=health,
            health_since=rfc3339(t0 + since),
            finished=rfc3339(t0),
            deployed=(rfc3339(t0 - timedelta(days=1)), rfc3339(t0)),
            reconciled=rfc3339(t0 + reconciled),
        )

    def update(after: timedelta) -> dict[str, Any]:
        at(monkeypatch, t0 + after)
        return run(capsys, world, "update", "--env", "production")

    # Deployed at t0, Healthy since t0 + 1m: half an hour in, it waits and says until when.
    staging("Healthy", timedelta(minutes=1), timedelta(minutes=30))
    out_30 = update(timedelta(minutes=30))
    (waits,) = _production_warnings(out_30)
    assert waits == (
        f"auto-promote staging -> production: staging has soaked 29m of 1h (Healthy and Synced since "
        f"{rfc3339(t0 + timedelta(minutes=1))}); waits until {rfc3339(t0 + timedelta(minutes=61))}"
    )

    (result,) = [r for r in out_30["results"] if r["environment"] == "production"]
    assert result["decision"] == {
        "rule": "auto_promote",
        "from": "staging",
        "to": "production",
        "after": "1h",
        "since": rfc3339(t0 + timedelta(minutes=1)),
        "until": rfc3339(t0 + timedelta(minutes=61)),
        "ready": False,
        "held": [waits.split(": ", 1)[1]],
    }

    # `plan` on a clone says the same, from the clone's history and Argo CD.
    checkout = world.tmp / "plan-checkout"
    git(world.tmp, "clone", "-q", str(world.remote), str(checkout))
    assert main(["plan", "--repo", str(checkout), "--env", "production", "--output", "json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["environments"]
    assert planned["automatic"] == [result["decision"]]

    # A Degraded blip: not green, nothing soaks.
    staging("Degraded", timedelta(minutes=40), timedelta(minutes=41))
    (blip,) = _production_warnings(update(timedelta(minutes=41)))
    assert "staging is not green in Argo CD, the soak restarts once it is" in blip
    assert f"Degraded since {rfc3339(t0 + timedelta(minutes=40))}, not Healthy" in blip

    # Recovered at t0 + 45m: the clock restarted there, so at t0 + 1h30m it still waits
    # (without the blip the hour was over at t0 + 1h01m).
    staging("Healthy", timedelta(minutes=45), timedelta(minutes=90))
    (restarted,) = _production_warnings(update(timedelta(minutes=90)))
    assert f"waits until {rfc3339(t0 + timedelta(minutes=105))}" in restarted
    assert world.github.open_pulls() == []

    # The hour is over, but Argo CD's last reading predates its end: wait for a newer one.
    staging("Healthy", timedelta(minutes=45), timedelta(minutes=100))
    (stale,) = _production_warnings(update(timedelta(minutes=106)))
    assert "waits for a newer reading" in stale
    assert world.github.open_pulls() == []

    # Reconciled after the soak: the promotion opens, as `promote staging production` would.
    staging("Healthy", timedelta(minutes=45), timedelta(minutes=106))
    branches = world.branches()
    out = update(timedelta(minutes=107))
    (res,) = [r for r in out["results"] if r["environment"] == "production"]
    assert res["action"] == "pull_request" and res["kind"] == "promotion", res["warnings"]
    assert res["branch"] == "gitops-bot/promotion/production"
    assert res["decision"]["ready"] is True and res["decision"]["since"] == rfc3339(
        t0 + timedelta(minutes=45)
    )
    (pr,) = world.github.open_pulls()
    assert pr["title"].startswith("production: promote from staging: ")
    assert f"| production | `example/app` | `1.0.0` | `1.1.0` | `{digest}` |" in pr["body"]
    assert (
        f"Promoted automatically: staging has run these digests, Healthy and Synced, since "
        f"{rfc3339(t0 + timedelta(minutes=45))} (auto_promote after 1h)." in pr["body"]
    )
    assert f"digest: {digest}" in world.overlay("production", "gitops-bot/promotion/production")
    assert world.argocd.requests[-1] == "/api/v1/applications/app-staging"

    # A second run (and a later one) changes nothing: the same branch, tree and body.
    pushes = world.branches()
    assert len(pushes) == len(branches) + 1
    for later in (timedelta(minutes=107), timedelta(hours=3)):
        again = update(later)
        assert again["changed"] is False
        assert [r["action"] for r in again["results"] if r["environment"] == "production"] == ["unchanged"]
    assert world.branches() == pushes and len(world.github.pulls) == 2

    # Merged: production runs staging's digests; nothing is left to soak for.
    world.merge_only_pr()
    assert _production_warnings(update(timedelta(hours=4))) == []
    assert world.github.open_pulls() == [] and world.github.unexpected == []


def test_a_hold_in_production_stops_the_automatic_promotion_as_it_stops_a_manual_one(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    run(capsys, world, "hold", "production", "example/app", "--reason", "load test running")
    world.merge_only_pr()
    t0 = start()
    staging_deployed(world, t0, t0 + timedelta(hours=2), history=())
    at(monkeypatch, t0 + timedelta(hours=2))
    out = run(capsys, world, "update", "--env", "production")
    (held,) = _production_warnings(out)
    assert held.startswith("auto-promote staging -> production: soaked, promoting, but refused: ")
    assert "production holds example/app (load test running)" in held
    assert world.github.open_pulls() == [] and world.github.unexpected == []


def test_without_reconciled_at_it_waits_for_a_reading_after_the_soak_then_promotes_on_one(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    # Healthy since t0, the soak over at t0 + 1h, but no status.reconciledAt: "Healthy" may be
    # a reading from before the soak ended, so a day later it still waits, and says so.
    app = application(
        "app-staging", running(world, "staging"), health_since=rfc3339(t0), finished=rfc3339(t0)
    )
    assert "reconciledAt" not in app["status"]
    world.argocd.apps["app-staging"] = app
    at(monkeypatch, t0 + timedelta(days=1))
    (waits,) = _production_warnings(run(capsys, world, "update", "--env", "production"))
    assert waits == (
        "auto-promote staging -> production: Argo CD gives no instant for its reading of staging "
        "(no status.reconciledAt or status.observedAt); waiting for a reading of its health after "
        f"the soak ended at {rfc3339(t0 + timedelta(hours=1))}"
    )
    assert world.github.open_pulls() == []

    # Argo CD's status.observedAt, taken after the soak ended, is such a reading.
    app["status"]["observedAt"] = rfc3339(t0 + timedelta(hours=2))
    out = run(capsys, world, "update", "--env", "production")
    (res,) = [r for r in out["results"] if r["environment"] == "production"]
    assert res["action"] == "pull_request" and res["decision"]["ready"] is True, res["warnings"]
    assert len(world.github.open_pulls()) == 1 and world.github.unexpected == []


@pytest.mark.usefixtures("quick_gate_retries")
def test_argo_cd_unavailable_decides_nothing_and_the_run_still_succeeds(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.argocd.fail_next = [503, 503, 503]
    at(monkeypatch, start() + timedelta(days=1))
    out = run(capsys, world, "update", "--env", "production")  # exit 0
    (unavailable,) = _production_warnings(out)
    assert unavailable.startswith("auto-promote production: not decided: Argo CD at ")
    assert "is unavailable" in unavailable and world.argocd.token not in unavailable
    assert world.github.open_pulls() == [] and world.argocd.fail_next == []


def test_outside_a_window_the_automatic_promotion_opens_without_auto_merge_then_requests_it_inside(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(
        world,
        "production",
        "    auto_promote: {from: staging, after: 1h}\n"
        "    windows:\n      timezone: UTC\n      deny:\n        - {days: [sat, sun]}\n",
    )
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", "pull_request:\n  auto_merge: squash\nargocd:\n"))
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    saturday = t0 + timedelta(days=(5 - t0.weekday()) % 7 or 7)
    monday = saturday + timedelta(days=2)
    staging_deployed(world, t0, saturday, history=())

    def auto_merge_requests() -> int:
        return sum(1 for p in world.github.paths("POST") if p.endswith("/graphql"))

    before = auto_merge_requests()  # the staging promotion's, inside no window
    at(monkeypatch, saturday)
    (res,) = [
        r for r in run(capsys, world, "update", "--env", "production")["results"] if r["kind"] == "promotion"
    ]
    assert res["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"] is None and auto_merge_requests() == before
    assert "auto-merge deferred: deny window sat,sun 00:00-24:00 UTC" in pr["body"]

    at(monkeypatch, monday)
    run(capsys, world, "update", "--env", "production")
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"]["merge_method"] == "squash" and auto_merge_requests() == before + 1
    assert "auto-merge deferred" not in pr["body"] and world.github.unexpected == []


def test_a_run_that_commits_to_dev_and_opens_the_automatic_promotion_changes_nothing_the_second_time(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One ``update`` of every environment: dev takes a new build by commit and production's
    soaked promotion opens by pull request. The promotion's branch is made on the base that
    holds dev's commit, so the same command again finds it current (before, it was one commit
    behind the base the run itself moved, and the second run force-pushed it again)."""
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    staging_deployed(world, t0, t0 + timedelta(minutes=90), history=(t0 - timedelta(days=1), t0))
    build = world.push("app", "1.2.0")
    at(monkeypatch, t0 + timedelta(minutes=91))

    out = run(capsys, world, "update")
    actions = {(r["environment"], r["action"]) for r in out["results"]}
    assert {("dev", "commit"), ("production", "pull_request")} <= actions, out["results"]
    assert build in world.overlay("dev")
    assert git(world.remote, "rev-parse", "main") == git(
        world.remote, "rev-parse", "gitops-bot/promotion/production~1"
    )

    again = run(capsys, world, "update")
    assert again["changed"] is False, again["results"]
    assert len(world.github.open_pulls()) == 1 and world.github.unexpected == []
