"""Production in waves (docs/guides/waves.md), with the page's configuration as written: a
release walks staging -> canary -> eu by soaks and gates, the bot opening each promotion; eu
breaks, so us is blocked and eu is rolled back on its own, and the canary keeps the release.
Every step is read back from every surface (:func:`testkit.surfaces.surfaces`) and held to one
decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from testkit import docs_examples as dx
from testkit.argocd_server import application
from testkit.promotion_world import OVERLAY, World, add_files, run
from testkit.soak_clock import at, rfc3339, running, start
from testkit.surfaces import Key, act
from testkit.surfaces import surfaces as check

APP = "example/app"
WAVES = ("staging", "canary", "eu", "us")
PAGE = dx.ROOT / "docs/guides/waves.md"


def documented_config() -> str:
    (block,) = [b for b in dx.blocks(PAGE) if b.kind is dx.Kind.CONFIG]
    return block.text


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def deployed(
    world: World, env: str, when: datetime, health: str = "Healthy", since: datetime | None = None
) -> None:
    """Argo CD's record of ``env``: it runs its overlay at main, deployed ``when``, ``health``
    since ``since`` (default: a minute after), reconciled now."""
    world.argocd.apps[f"app-{env}"] = application(
        f"app-{env}",
        running(world, env),
        health=health,
        health_since=rfc3339(since or when + timedelta(minutes=1)),
        finished=rfc3339(when),
        deployed=(rfc3339(when),),
    )


def reconciled(world: World, now: datetime) -> None:
    for app in world.argocd.apps.values():
        app["status"]["reconciledAt"] = rfc3339(now)


def merge(world: World, branch: str) -> None:
    (pr,) = [p for p in world.github.open_pulls() if p["head"]["ref"] == branch]
    world.github.merge(pr["number"])


@pytest.fixture
def waves(world: World) -> World:
    config = documented_config()
    config = config.replace("registry.example.com/acme", f"{world.host}/{world.ns}")
    config = config.replace("https://argocd.example.com", world.argocd.url)
    config += f"github:\n  repository: acme/gitops\n  api_url: {world.github.url}\n  write_interval: 0\n"
    overlay = OVERLAY.format(host=world.host, ns=world.ns)
    add_files(
        world, {"gitops-bot.yaml": config, **{f"overlays/{w}/kustomization.yaml": overlay for w in WAVES}}
    )
    return world


def test_a_release_walks_the_waves_and_a_broken_wave_stops_it(
    waves: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = waves
    t0 = start()
    for env in WAVES:  # every wave runs 1.0.0, Healthy, since the day before
        deployed(world, env, t0 - timedelta(days=1))
    at(monkeypatch, t0)
    s = surfaces(world, capsys)
    assert {e: act(s[(e, APP)])[0] for e in WAVES[1:]} == dict.fromkeys(WAVES[1:], "up_to_date")

    # A new build reaches staging by pull request.
    world.push("app", "1.1.0")
    run(capsys, world, "update", "--env", "staging")
    merge(world, "gitops-bot/staging")
    deployed(world, "staging", t0)

    # Half an hour in, the canary waits for staging's soak; the later waves have nothing to take.
    at(monkeypatch, t0 + timedelta(minutes=30))
    reconciled(world, t0 + timedelta(minutes=30))
    s = surfaces(world, capsys)
    assert act(s[("canary", APP)]) == ("wait", "soak")
    assert s[("canary", APP)]["until"] == rfc3339(t0 + timedelta(minutes=61))
    assert act(s[("eu", APP)])[0] == "up_to_date"

    # Soaked: the bot opens the canary's promotion, and nothing further down.
    at(monkeypatch, t0 + timedelta(minutes=62))
    reconciled(world, t0 + timedelta(minutes=62))
    run(capsys, world, "update")
    assert [p["head"]["ref"] for p in world.github.open_pulls()] == ["gitops-bot/promotion/canary"]
    merge(world, "gitops-bot/promotion/canary")
    t1 = t0 + timedelta(minutes=65)
    deployed(world, "canary", t1)
    assert running(world, "canary") == running(world, "staging")

    # The canary soaks two hours; eu waits for it, us for eu.
    at(monkeypatch, t1 + timedelta(minutes=60))
    reconciled(world, t1 + timedelta(minutes=60))
    s = surfaces(world, capsys)
    assert act(s[("eu", APP)]) == ("wait", "soak")
    assert act(s[("us", APP)])[0] == "up_to_date"
    at(monkeypatch, t1 + timedelta(minutes=122))
    reconciled(world, t1 + timedelta(minutes=122))
    run(capsys, world, "update")
    assert [p["head"]["ref"] for p in world.github.open_pulls()] == ["gitops-bot/promotion/eu"]
    merge(world, "gitops-bot/promotion/eu")
    t2 = t1 + timedelta(minutes=125)
    deployed(world, "eu", t2)

    # eu turns Degraded half an hour after its release: us is blocked by eu's gate, and eu's
    # rollback waits its ten minutes.
    deployed(world, "eu", t2, health="Degraded", since=t2 + timedelta(minutes=30))
    at(monkeypatch, t2 + timedelta(minutes=35))
    reconciled(world, t2 + timedelta(minutes=35))
    s = surfaces(world, capsys)
    assert act(s[("us", APP)]) == ("blocked", "gate")
    assert act(s[("eu", APP)]) == ("wait", "auto_rollback")
    refused = run(capsys, world, "promote", "eu", "us", code=4)["error"]
    assert "eu" in refused and "Degraded" in refused

    # Ten minutes Degraded: eu's rollback opens; us gets nothing; the canary keeps the release.
    at(monkeypatch, t2 + timedelta(minutes=41))
    reconciled(world, t2 + timedelta(minutes=41))
    run(capsys, world, "update")
    assert [p["head"]["ref"] for p in world.github.open_pulls()] == ["gitops-bot/rollback/eu"]
    merge(world, "gitops-bot/rollback/eu")
    deployed(world, "eu", t2 + timedelta(minutes=45))
    assert running(world, "eu") == running(world, "us") != running(world, "canary")
    s = surfaces(world, capsys)
    assert act(s[("eu", APP)]) == ("blocked", "hold")
    assert act(s[("us", APP)])[0] == "up_to_date"
    assert act(s[("canary", APP)])[0] == "up_to_date"
