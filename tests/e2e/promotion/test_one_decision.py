"""One decision, shown the same way everywhere: for each state that can hold a release (a red
gate, a freeze, a closed window, a soak, a pending automatic rollback, a hold, ``min_age``) and
the plain ones (propose, promote, up to date), ``plan`` (JSON and text), ``status`` (JSON and
text), the status page and the dashboard issue show the same action, rule and ``until`` for
every row, and nothing reads green, or says "run promote", while a release is held.

Over the promotion example: the real registry and git remote, the spec-held GitHub and Argo CD
servers, and the bot's clock set by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.argocd_server import application
from testkit.promotion_world import World, add_files, release_dev, run
from testkit.soak_clock import at, configure, rfc3339, start
from testkit.surfaces import Key, act
from testkit.surfaces import declared as running_declared
from testkit.surfaces import surfaces as check
from testkit.update_world import git


def surfaces(
    world: World, capsys: pytest.CaptureFixture[str], status_exit: int = 0
) -> dict[Key, dict[str, Any]]:
    open_prs = [p["number"] for p in world.github.open_pulls()]
    return check(world.remote, world.tmp, capsys, open_prs, status_exit=status_exit)


def declared(world: World, environment: str) -> list[str]:
    return running_declared(world.overlay(environment))


def test_every_surface_shows_one_decision_through_gate_freeze_window_soak_rollback_and_hold(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # the text table whole, not fitted to a terminal
    t0 = start()
    at(monkeypatch, t0)
    world.staging_runs(*declared(world, "staging"))

    # A new build: dev proposes it; the others are up to date.
    world.push("app", "1.1.0")
    s = surfaces(world, capsys)
    assert act(s[("dev", "example/app")]) == ("propose", "policy")
    worker = s[("dev", "example/worker")]  # the example pins tags without digests
    assert act(worker) == ("propose", "policy") and worker["reason"] == "pin 2.0.0 to its digest"
    assert act(s[("staging", "example/app")]) == ("up_to_date", "promotion")

    # Released to dev: staging may take it, by a person's promotion.
    release_dev(capsys, world)
    s = surfaces(world, capsys)
    assert act(s[("dev", "example/app")]) == ("up_to_date", "policy")
    assert act(s[("staging", "example/app")]) == ("promote", "promotion")
    assert "run 'gitops-bot promote dev staging'" in s[("staging", "example/app")]["reason"]
    assert act(s[("staging", "example/worker")]) == ("promote", "promotion")  # dev pins its digest

    # Promoted to staging, which turns Degraded: production's promotion is blocked by the gate,
    # and staging's own rows say so (not green "up to date").
    run(capsys, world, "promote", "dev", "staging")
    world.merge_only_pr()
    world.staging_runs(*declared(world, "staging"), health="Degraded")
    s = surfaces(world, capsys)
    assert act(s[("production", "example/app")]) == ("blocked", "gate")
    assert "Degraded" in s[("production", "example/app")]["reason"]
    assert act(s[("staging", "example/app")]) == ("up_to_date", "gate")

    # Healthy again, then production is frozen: every production row is blocked until the end.
    world.staging_runs(*declared(world, "staging"))
    assert act(surfaces(world, capsys)[("production", "example/app")]) == ("promote", "promotion")
    run(capsys, world, "freeze", "production", "--until", "2d", "--reason", "year-end freeze")
    world.merge_only_pr()
    s = surfaces(world, capsys)
    frozen = s[("production", "example/app")]
    assert act(frozen) == ("blocked", "freeze")
    assert frozen["until"] == rfc3339(t0 + timedelta(days=2))
    assert frozen["evidence"]["reason"] == "year-end freeze"
    assert act(s[("production", "example/worker")]) == ("blocked", "freeze")

    # Unfrozen, but a deny window is closed now: the promotion's pull request may open, its
    # auto-merge deferred until the window opens.
    run(capsys, world, "unfreeze", "production")
    world.merge_only_pr()
    weekday = t0.strftime("%a").lower()
    window = f"    windows: {{timezone: UTC, deny: [{{days: [{weekday}], from: '00:00', to: '24:00'}}]}}\n"
    configure(world, "production", window)
    s = surfaces(world, capsys)
    assert act(s[("production", "example/app")]) == ("promote", "promotion")  # no auto-merge: no effect
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", "pull_request:\n  auto_merge: squash\nargocd:\n"))
    s = surfaces(world, capsys)
    windowed = s[("production", "example/app")]
    assert act(windowed) == ("promote", "window")
    assert "auto-merge deferred: deny window" in windowed["reason"]
    opens = (t0 + timedelta(days=1)).replace(hour=0, minute=0)
    assert windowed["until"] == rfc3339(opens)

    # Window gone, production promotes after a one-hour soak: it waits until staging soaked.
    add_files(world, {}, ("gitops-bot.yaml", window, ""))
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    images = declared(world, "staging")
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health_since=rfc3339(t0 + timedelta(minutes=1)),
        finished=rfc3339(t0),
        deployed=(rfc3339(t0),),
        reconciled=rfc3339(t0 + timedelta(minutes=20)),
    )
    at(monkeypatch, t0 + timedelta(minutes=20))
    s = surfaces(world, capsys)
    soaking = s[("production", "example/app")]
    assert act(soaking) == ("wait", "soak")
    assert soaking["until"] == rfc3339(t0 + timedelta(minutes=61))
    assert soaking["evidence"]["since"] == rfc3339(t0 + timedelta(minutes=1))

    # Staging (released by the bot) turns Degraded with auto_rollback: its rollback is pending,
    # then due; production's soak is off (not green), its promotion blocked by the gate.
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health="Degraded",
        health_since=rfc3339(t0 + timedelta(minutes=25)),
        finished=rfc3339(t0),
        reconciled=rfc3339(t0 + timedelta(minutes=26)),
    )
    at(monkeypatch, t0 + timedelta(minutes=30))
    s = surfaces(world, capsys)
    pending = s[("staging", "example/app")]
    assert act(pending) == ("wait", "auto_rollback")
    assert pending["until"] == rfc3339(t0 + timedelta(minutes=35))
    assert act(s[("production", "example/app")]) == ("blocked", "gate")
    at(monkeypatch, t0 + timedelta(minutes=36))
    s = surfaces(world, capsys)
    assert act(s[("staging", "example/app")]) == ("rollback", "auto_rollback")
    assert act(s[("staging", "example/worker")]) == ("rollback", "auto_rollback")

    # A person holds dev's worker: a newer worker is not proposed, and every surface says why.
    world.push("worker", "2.1.0")
    run(capsys, world, "hold", "dev", "example/worker", "--reason", "load test running")  # dev commits
    s = surfaces(world, capsys)
    held = s[("dev", "example/worker")]
    assert act(held) == ("blocked", "hold")
    assert "load test running" in held["reason"]


def test_min_age_waits_with_its_until_on_every_surface(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's images say they were created 2026-01-01T00:00:00Z; half an hour later a
    one-hour ``min_age`` holds 1.1.0 back until 01:00, and says so everywhere."""
    monkeypatch.delenv("COLUMNS", raising=False)
    world.staging_runs(*declared(world, "staging"))
    configure(world, "dev", "    min_age: 1h\n")
    world.push("app", "1.1.0")
    at(monkeypatch, datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    s = surfaces(world, capsys)
    waiting = s[("dev", "example/app")]
    assert act(waiting) == ("wait", "min_age")
    assert waiting["until"] == "2026-01-01T01:00:00Z"
    assert waiting["evidence"]["tag"] == "1.1.0"
    at(monkeypatch, datetime(2026, 1, 1, 1, 0, tzinfo=UTC))
    assert act(surfaces(world, capsys)[("dev", "example/app")]) == ("propose", "policy")


@pytest.mark.usefixtures("quick_gate_retries")
def test_an_unreadable_gate_is_unknown_with_its_reason_on_every_surface_never_advice_to_promote(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staging runs a newer build than production, and Argo CD answers 503 for staging's
    Application: ``promote staging production`` would refuse (it asks Argo CD again), so no
    surface may send a person to it; each says the gate is unknown, which service and why."""
    monkeypatch.delenv("COLUMNS", raising=False)
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    run(capsys, world, "promote", "dev", "staging")
    world.merge_only_pr()
    world.staging_runs(*declared(world, "staging"))
    assert act(surfaces(world, capsys)[("production", "example/app")]) == ("promote", "promotion")

    world.argocd.fail_next = [503] * 1000  # every read, for as long as the test asks
    # plan and status (text and JSON), the page, the dashboard; status says Argo CD failed by
    # its exit code, as it does for any service it cannot read
    s = surfaces(world, capsys, status_exit=3)
    for image in ("example/app", "example/worker"):
        unknown = s[("production", image)]
        assert act(unknown) == ("unknown", "gate"), unknown
        assert unknown["reason"].startswith(
            f"staging's gate app-staging could not be read: Argo CD at {world.argocd.url}"
        )
        assert "is unavailable" in unknown["reason"] and world.argocd.token not in unknown["reason"]
        assert unknown["until"] is None and unknown["evidence"]["application"] == "app-staging"
    checkout = world.tmp / "plan-checkout"
    git(world.tmp, "clone", "-q", str(world.remote), str(checkout))
    plan, status = ["plan", "--repo", str(checkout)], ["status", "--repo", f"file://{world.remote}"]
    for argv, code in ((plan, 0), (status, 3)):
        assert main(argv) == code
        out = capsys.readouterr().out
        said = [line for line in out.splitlines() if "unknown (gate): staging's gate app-staging" in line]
        assert len(said) == 2, out  # app and worker
        assert "run 'gitops-bot promote" not in out and "promote (" not in out, out
        assert "2 unknown" in out, out  # counted in its own word
    refused = run(capsys, world, "promote", "staging", "production", code=3)["error"]
    assert "Argo CD at " in refused and "is unavailable" in refused  # what every surface said
