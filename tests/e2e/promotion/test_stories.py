"""Stories that cross the release-safety features, told as a team lives them, with the bot's
clock set by the test, over the real registry and git remote and the spec-held GitHub and
Argo CD servers. After every step, :func:`testkit.surfaces.surfaces` reads plan (JSON and text),
status (JSON and text), the status page and the dashboard issue back and holds them to one
decision, with the open pull requests on the forge; the story asserts what that decision is,
and what the pull requests and notifications say."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.hook_server import HookServer
from testkit.promotion_world import World, add_files, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, start
from testkit.surfaces import Key, act
from testkit.surfaces import surfaces as check

APP, WORKER = "example/app", "example/worker"


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def notify_to(world: World, hooks: HookServer) -> None:
    audit = f"notifications:\n  - {{name: audit, type: webhook, url: '{hooks.url}/audit'}}\n"
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", audit + "argocd:\n"))


def told(hooks: HookServer) -> list[str]:
    """The notifications' events, in order."""
    return [h.body["event"] for h in hooks.received]


def staging(world: World, images: list[str], t0: datetime, **kw: Any) -> None:
    """Argo CD's record of staging: deployed at ``t0``, with ``kw``'s instants (minutes after t0)."""

    def when(minutes: float) -> str:
        return rfc3339(t0 + timedelta(minutes=minutes))

    world.argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health=kw.get("health", "Healthy"),
        health_since=when(kw.get("since", 1)),
        finished=when(0),
        deployed=(when(0),),
        reconciled=when(kw["reconciled"]) if "reconciled" in kw else None,
    )


def production(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "production"]


def test_a_release_soaks_in_staging_and_a_friday_window_defers_production_to_monday(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, hooks: HookServer
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    window = "    windows: {timezone: UTC, deny: [{days: [fri], from: '16:00'}, {days: [sat, sun]}]}\n"
    configure(world, "production", window)
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", "pull_request:\n  auto_merge: squash\nargocd:\n"))
    notify_to(world, hooks)
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    hooks.received.clear()
    images = running(world, "staging")
    # Deployed to staging on a Friday at 15:00, the first after every commit the test made (git
    # records real time, and the soak starts no earlier than the release's commit).
    after = start()
    days = (4 - after.weekday()) % 7 or 7
    friday = (after + timedelta(days=days)).replace(hour=15, minute=0)
    monday = (friday + timedelta(days=3)).replace(hour=0)

    # Half an hour in: production waits for the soak, until 16:01.
    staging(world, images, friday, reconciled=30)
    at(monkeypatch, friday + timedelta(minutes=30))
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("wait", "soak")
    assert s[("production", APP)]["until"] == rfc3339(friday + timedelta(minutes=61))

    # Soaked at 16:01, but the Friday window is closed: the PR opens, its auto-merge deferred.
    staging(world, images, friday, reconciled=70)
    at(monkeypatch, friday + timedelta(minutes=75))
    s = surfaces(world, capsys)
    deferred = s[("production", APP)]
    assert act(deferred) == ("propose", "window") and deferred["until"] == rfc3339(monday)
    assert deferred["evidence"]["decided_by"] == "soak"
    (opened,) = production(run(capsys, world, "update", "--env", "production"))
    assert opened["action"] == "pull_request" and opened["kind"] == "promotion"
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"] is None
    until = f"until Mon {monday:%Y-%m-%d} 00:00 UTC"
    assert f"auto-merge deferred: deny window fri 16:00-24:00 UTC {until}" in pr["body"]
    assert told(hooks) == ["promoted"]
    surfaces(world, capsys)  # the PR is in status, once per row of production

    # Monday: the window is open; the next run requests the auto-merge, and says nothing new.
    staging(world, images, friday, reconciled=60 * 57)
    at(monkeypatch, monday + timedelta(minutes=5))
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("propose", "soak")
    run(capsys, world, "update", "--env", "production")
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"]["merge_method"] == "squash"
    assert "auto-merge deferred" not in pr["body"]


def test_staging_turns_degraded_while_the_production_promotion_is_open(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, hooks: HookServer
) -> None:
    """The promotion is closed, staging's rollback opens and holds the bad digest, and status
    shows all three."""
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    notify_to(world, hooks)
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    hooks.received.clear()
    images = running(world, "staging")
    t0 = start()

    staging(world, images, t0, reconciled=120)
    at(monkeypatch, t0 + timedelta(hours=2))
    run(capsys, world, "update")
    (promotion,) = world.github.open_pulls()
    assert promotion["head"]["ref"] == "gitops-bot/promotion/production"
    assert told(hooks) == ["promoted"]

    # Staging turns Degraded at t0+2h05: production is blocked by the gate, staging's rollback
    # is pending; the next run closes the promotion, and tells nobody (nothing was released).
    staging(world, images, t0, health="Degraded", since=125, reconciled=126)
    at(monkeypatch, t0 + timedelta(minutes=130))
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("blocked", "gate")
    assert act(s[("staging", APP)]) == ("wait", "auto_rollback")
    assert s[("staging", APP)]["until"] == rfc3339(t0 + timedelta(minutes=135))
    out = run(capsys, world, "update")
    assert [r["action"] for r in production(out)] == ["unchanged", "closed"]  # its wait, and the close
    assert world.github.open_pulls() == [] and told(hooks) == ["promoted"]
    surfaces(world, capsys)

    # Ten minutes Degraded: the rollback is due, opens, and is told.
    at(monkeypatch, t0 + timedelta(minutes=136))
    s = surfaces(world, capsys)
    assert act(s[("staging", APP)]) == ("rollback", "auto_rollback")
    run(capsys, world, "update")
    (rollback,) = world.github.open_pulls()
    assert rollback["head"]["ref"] == "gitops-bot/rollback/staging"
    assert "Rolled back automatically: release" in rollback["body"]
    assert told(hooks) == ["promoted", "rolled_back"]
    surfaces(world, capsys)

    # Merged: staging runs the release before, the bad digest held; production has nothing to
    # take; status shows the hold, and the next run changes nothing.
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    s = surfaces(world, capsys)
    held = s[("staging", APP)]
    assert act(held) == ("blocked", "hold") and "auto-rollback:" in held["reason"]
    assert act(s[("production", APP)]) == ("up_to_date", "promotion")
    out = run(capsys, world, "update")
    assert not any(r["action"] in ("pull_request", "commit") for r in out["results"])
    assert told(hooks) == ["promoted", "rolled_back"]


def test_a_freeze_a_forced_promotion_with_its_reason_and_the_unfreeze(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    t0 = start()
    at(monkeypatch, t0)
    assert act(surfaces(world, capsys)[("production", APP)]) == ("promote", "promotion")

    run(capsys, world, "freeze", "production", "--until", "2d", "--reason", "year-end freeze")
    surfaces(world, capsys)  # the freeze PR is open: not in force yet, shown on production's rows
    world.merge_only_pr()
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("blocked", "freeze")
    assert s[("production", APP)]["until"] == rfc3339(t0 + timedelta(days=2))

    refused = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert "production is frozen until" in refused and "--force --reason" in refused
    assert world.github.open_pulls() == []

    run(capsys, world, "promote", "staging", "production", "--force", "--reason", "hotfix for incident 7")
    (pr,) = world.github.open_pulls()
    assert "hotfix for incident 7" in pr["body"] and "frozen" in pr["body"]
    s = surfaces(world, capsys)  # still frozen for the bot: the person's PR is theirs to merge
    assert act(s[("production", APP)]) == ("blocked", "freeze")
    world.merge_only_pr()
    assert act(surfaces(world, capsys)[("production", APP)]) == ("blocked", "freeze")

    run(capsys, world, "unfreeze", "production")
    world.merge_only_pr()
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("up_to_date", "promotion")  # the forced promotion landed


def test_a_persons_hold_during_a_soak_holds_the_whole_automatic_promotion(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()
    staging(world, images, t0, reconciled=20)
    at(monkeypatch, t0 + timedelta(minutes=20))
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == act(s[("production", WORKER)]) == ("wait", "soak")

    run(capsys, world, "hold", "production", APP, "--reason", "load test running")
    world.merge_only_pr()
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("blocked", "hold")
    worker = s[("production", WORKER)]
    assert act(worker) == ("blocked", "hold") and "would change example/app" in worker["reason"]

    # Soaked: still nothing opens, and every surface said why all along.
    staging(world, images, t0, reconciled=120)
    at(monkeypatch, t0 + timedelta(hours=2))
    s = surfaces(world, capsys)
    assert act(s[("production", WORKER)]) == ("blocked", "hold")
    run(capsys, world, "update", "--env", "production")
    assert world.github.open_pulls() == []

    run(capsys, world, "unhold", "production", APP)
    world.merge_only_pr()
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == act(s[("production", WORKER)]) == ("propose", "soak")
    run(capsys, world, "update", "--env", "production")
    (pr,) = world.github.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/promotion/production"


def test_two_freeze_pull_requests_merge_one_after_the_other_and_one_is_lifted(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    t0 = start()
    at(monkeypatch, t0)
    run(capsys, world, "freeze", "staging", "--until", "3d", "--reason", "migration")
    run(capsys, world, "freeze", "production", "--until", "5d", "--reason", "year end")
    first, second = world.github.open_pulls()
    s = surfaces(world, capsys)  # two freeze PRs open, neither in force
    assert act(s[("production", APP)]) == ("promote", "promotion")
    world.github.merge(first["number"])
    world.github.merge(second["number"])  # one file per environment: no conflict
    s = surfaces(world, capsys)
    assert act(s[("staging", APP)]) == act(s[("production", APP)]) == ("blocked", "freeze")
    assert s[("staging", APP)]["evidence"]["reason"] == "migration"
    assert s[("production", APP)]["until"] == rfc3339(t0 + timedelta(days=5))

    run(capsys, world, "unfreeze", "production")
    world.merge_only_pr()
    s = surfaces(world, capsys)
    assert act(s[("staging", APP)]) == ("blocked", "freeze")
    assert act(s[("production", APP)]) == ("promote", "promotion")
