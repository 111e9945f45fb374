"""Staging deployed by an ApplicationSet: three Applications, one per cluster, chosen by their
label (``argocd_selector``), crossed with the rest. One member Degraded keeps production's gate
closed in every surface (plan, status, the page, the dashboard), which names it; ``promote``
refuses naming it; the automatic promotion does not soak while it is Degraded and opens once
every member has been Healthy for the whole soak; and the automatic rollback judges the set as
its worst member."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.markup import shown
from testkit.promotion_world import World, add_files, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, start
from testkit.surfaces import act
from testkit.surfaces import surfaces as check

APP = "example/app"
LABEL = {"app.kubernetes.io/instance": "shop-staging"}
CLUSTERS = ("shop-staging-ap", "shop-staging-eu", "shop-staging-us")


def by_selector(world: World) -> None:
    """Staging's gate is every Application the ApplicationSet labels, not one named Application."""
    add_files(
        world,
        {},
        (
            "gitops-bot.yaml",
            "    argocd_application: app-staging\n",
            "    argocd_selector: app.kubernetes.io/instance=shop-staging\n",
        ),
    )


def clusters(world: World, images: list[str], degraded: str | None = None, **instants: Any) -> None:
    world.argocd.apps.pop("app-staging", None)
    for name in CLUSTERS:
        world.argocd.apps[name] = application(
            name,
            images,
            labels=LABEL,
            health="Degraded" if name == degraded else "Healthy",
            health_message="Deployment app: 0/3 replicas available" if name == degraded else None,
            **instants,
        )


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Any, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def status(world: World, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run(capsys, world, "status", "--output", "json")


def test_one_degraded_cluster_of_three_keeps_production_waiting_and_is_named_everywhere(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    by_selector(world)
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    clusters(world, images, degraded="shop-staging-us")

    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("blocked", "gate")
    assert d["reason"] == (
        "staging is not green in Argo CD (Argo CD application shop-staging-us is Degraded, not Healthy)"
    )

    gate = next(r["gate"] for r in status(world, capsys)["rows"] if r["environment"] == "staging")
    assert gate["state"] == "closed" and gate["health"] == "Degraded"
    assert gate["application"] == "applications matching app.kubernetes.io/instance=shop-staging"
    assert [(a["application"], a["state"], a["health"]) for a in gate["applications"]] == [
        ("shop-staging-ap", "open", "Healthy"),
        ("shop-staging-eu", "open", "Healthy"),
        ("shop-staging-us", "closed", "Degraded"),
    ]
    text = run_text(world, capsys)
    assert "closed (1 of 3: shop-staging-us: Synced, Degraded)" in text

    refused = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert "shop-staging-us is Degraded" in refused
    assert world.github.open_pulls() == []

    # The cluster recovers: every surface opens the gate, and the promotion goes through.
    clusters(world, images)
    assert act(surfaces(world, capsys)[("production", APP)]) == ("promote", "promotion")
    assert "open (3 applications Synced, Healthy)" in run_text(world, capsys)
    run(capsys, world, "promote", "staging", "production")
    (pr,) = world.github.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/promotion/production"


def run_text(world: World, capsys: pytest.CaptureFixture[str]) -> str:
    """The text status whole: a terminal wide enough that no cell is wrapped."""
    from gitops_bot.cli import main

    with pytest.MonkeyPatch.context() as m:
        m.setenv("COLUMNS", "400")
        assert main(["status", "--repo", f"file://{world.remote}"]) == 0
    return capsys.readouterr().out


def test_the_soak_waits_for_every_cluster_and_a_degraded_one_rolls_the_set_back(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    by_selector(world)
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()
    deployed = {
        "finished": rfc3339(t0),
        "deployed": (rfc3339(t0),),
        "reconciled": rfc3339(t0 + timedelta(minutes=90)),
    }

    # One cluster Degraded since minute 2: the soak does not count, and past ten minutes the
    # automatic rollback of staging opens (the set is as healthy as its worst member).
    clusters(
        world, images, degraded="shop-staging-eu", health_since=rfc3339(t0 + timedelta(minutes=2)), **deployed
    )
    at(monkeypatch, t0 + timedelta(minutes=5))
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("blocked", "gate") and "shop-staging-eu is Degraded" in d["reason"]
    at(monkeypatch, t0 + timedelta(minutes=13))
    out = run(capsys, world, "update", "--env", "staging")
    (rolled,) = [r for r in out["results"] if r["environment"] == "staging"]
    assert rolled["kind"] == "rollback", rolled
    (pr,) = world.github.open_pulls()
    assert "shop-staging-eu: Deployment app: 0/3 replicas available" in shown(pr["body"])

    # Every cluster Healthy, the last since minute 30: the soak runs from there, not from the
    # first cluster's recovery, and production's promotion opens after the hour.
    for minute, name in ((20, "shop-staging-ap"), (25, "shop-staging-eu"), (30, "shop-staging-us")):
        world.argocd.apps[name] = application(
            name, images, labels=LABEL, health_since=rfc3339(t0 + timedelta(minutes=minute)), **deployed
        )
    # The set recovered: the rollback nobody merged has lost its reason and is closed.
    at(monkeypatch, t0 + timedelta(minutes=40))
    run(capsys, world, "update", "--env", "staging")
    assert world.github.open_pulls() == []
    at(monkeypatch, t0 + timedelta(minutes=85))
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("wait", "soak") and rfc3339(t0 + timedelta(minutes=90)) in d["reason"]
    at(monkeypatch, t0 + timedelta(minutes=91))
    world.argocd.apps["shop-staging-us"]["status"]["reconciledAt"] = rfc3339(t0 + timedelta(minutes=91))
    for name in CLUSTERS:
        world.argocd.apps[name]["status"]["reconciledAt"] = rfc3339(t0 + timedelta(minutes=91))
    assert act(surfaces(world, capsys)[("production", APP)]) == ("propose", "soak")
    run(capsys, world, "update", "--env", "production")
    assert [p["head"]["ref"] for p in world.github.open_pulls()] == ["gitops-bot/promotion/production"]
