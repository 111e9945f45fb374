"""The status page shows what holds each environment's release, as status decides it: one
environment frozen, one soaking, one with an automatic rollback pending, and the one after it
blocked by the red gate, all at once, read back as a browser renders it (headless Chromium,
screenshots at 360, 800 and 1,600 px), and checked by axe-core inside the browser: nothing
serious or critical. ``GITOPS_BOT_DOCS_SHOTS=1`` keeps the screenshots as the docs' images
(``docs/img/status-decisions.png``, ``docs/img/status-page-{360,800,1600}.png``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.commands.status import status as status_of
from gitops_bot.output import status_html
from testkit import browser
from testkit.argocd_server import application
from testkit.promotion_world import OVERLAY, OVERLAY_FILE, World, add_files, release_dev, run
from testkit.soak_clock import at, configure, rfc3339, running, start
from testkit.surfaces import Section, act, declared
from testkit.surfaces import surfaces as check

DOCS_IMAGE = Path(__file__).parents[3] / "docs/img/status-decisions.png"
WIDTHS = (360, 800, 1600)  # a phone, a small laptop window, a desktop


def test_the_page_shows_a_freeze_a_soak_a_pending_rollback_and_a_red_gate_at_once(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # canary takes dev's builds after a one-hour soak; staging rolls back on its own
    canary = OVERLAY.format(host=world.host, ns=world.ns)
    add_files(world, {OVERLAY_FILE.format("canary"): canary})
    anchor = "  - name: staging\n"
    lines = (
        "  - name: canary\n    path: overlays/canary\n    promote_from: dev\n"
        "    auto_promote: {from: dev, after: 1h}\n"
    )
    add_files(world, {}, ("gitops-bot.yaml", anchor, lines + anchor))
    configure(world, "dev", "    argocd_application: app-dev\n")
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    t0 = start()
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    world.argocd.apps["app-dev"] = application("app-dev", declared(world.overlay("dev")))
    run(capsys, world, "promote", "dev", "staging")  # app 1.1.0 promoted to staging by the bot
    world.merge_only_pr()
    at(monkeypatch, t0 + timedelta(minutes=20))

    def when(minutes: int) -> str:
        return rfc3339(t0 + timedelta(minutes=minutes))

    dev = declared(world.overlay("dev"))
    world.argocd.apps["app-dev"] = application(
        "app-dev", dev, health_since=when(0), finished=when(0), deployed=(when(0),), reconciled=when(19)
    )
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        running(world, "staging"),
        health="Degraded",
        health_message="Deployment app exceeded its progress deadline",
        health_since=when(15),
        finished=when(0),
    )
    run(capsys, world, "freeze", "dev", "--until", "3d", "--reason", "database migration")  # dev commits

    s = check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])
    assert act(s[("dev", "example/app")]) == ("blocked", "freeze")
    assert act(s[("canary", "example/app")]) == ("wait", "soak")
    assert act(s[("staging", "example/app")]) == ("wait", "auto_rollback")
    assert act(s[("production", "example/app")]) == ("blocked", "gate")

    found = status_of(f"file://{world.remote}")
    page = status_html.render([Section("acme/gitops", datetime.now(UTC), found)], "v1")
    for words in ("blocked (freeze)", "wait (soak)", "wait (auto_rollback)", "blocked (gate)"):
        assert words in page
    shown = Path(tempfile.mkdtemp())
    shown.chmod(0o755)  # the browser runs as nobody
    try:
        (shown / "status.html").write_text(page)
        (shown / "status.html").chmod(0o644)
        shots = {
            w: browser.screenshot(f"file://{shown}/status.html", tmp_path / f"status-{w}.png", size=(w, 900))
            for w in WIDTHS
        }
    finally:
        shutil.rmtree(shown)
    assert all(shot.stat().st_size > 10_000 for shot in shots.values())  # a page, not a blank
    if os.environ.get("GITOPS_BOT_DOCS_SHOTS"):
        shutil.copyfile(shots[1600], DOCS_IMAGE)
        for w, shot in shots.items():
            shutil.copyfile(shot, DOCS_IMAGE.with_name(f"status-page-{w}.png"))
    # the checker works: a faint paragraph and an image without text are reported
    control = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
    control += '<img src="x.png"><p style="color:#ccc">faint</p></main></body></html>'
    assert {v["id"] for v in browser.axe_violations(control)} >= {"image-alt", "color-contrast"}
    # accessible at a phone's width and a desktop's: nothing serious or critical
    for width in (360, 1600):
        found = browser.axe_violations(page, width=width)
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], (width, serious)
