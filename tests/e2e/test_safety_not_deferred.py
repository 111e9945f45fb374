"""Safety actions are never deferred by a deployment window: a hold, an unhold and a rollback
land at once whatever the window says; only releases wait for it.

A window closed every morning until noon on both environments of the update example (dev
commits to the base, staging opens pull requests with ``auto_merge``). At 10:00 a person holds
dev's app: the hold is on the base at once, so the 13:00 ``update`` does not release the image
they held; unholding it lands at once too. A rollback of staging under the closed window gets
its auto-merge requested at once, with no "deferred" line. On GitHub and on GitLab: the real
registry and git remote, each forge's spec-held fake, the bot's clock set by the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testkit.forge_story import Story, run, stories
from testkit.promotion_world import add_files
from testkit.registry_process import RegistryProcess

# every day, closed from midnight until noon (UTC)
WINDOW = """    windows:
      timezone: UTC
      deny:
        - {days: [mon, tue, wed, thu, fri, sat, sun], to: "12:00"}
"""
OPEN = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)  # a Wednesday afternoon: the window is open
MORNING = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)  # the next morning: closed until 12:00
AFTERNOON = datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
HOLDS = "gitops-bot.holds.yaml"
DEV = "overlays/dev/kustomization.yaml"


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param``, the morning window on dev and staging."""
    for story in stories(request.param, tmp_path, registry, monkeypatch):
        for env in ("staging", "dev"):
            anchor = f"    path: overlays/{env}\n"
            add_files(story.world, {}, ("gitops-bot.yaml", anchor, anchor + WINDOW))
        yield story


def test_a_hold_lands_at_once_under_a_closed_window_and_the_next_update_leaves_the_image(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    before = story.show(DEV)
    assert "newTag: 1.0.0" in before

    held = run(capsys, story, MORNING, "hold", "dev", "example/app", "--reason", "incident 42")
    (res,) = held["results"]
    assert res["action"] == "commit", res  # not "unchanged", deferred by the window
    assert not any("deferred" in w for w in res.get("warnings", [])), res
    holds = story.show(HOLDS)
    assert "dev:" in holds and "example/app" in holds and "incident 42" in holds

    # the window opens: releases go through, but not over the person's hold
    after = run(capsys, story, AFTERNOON, "update", "--env", "dev")
    app = [c for r in after["results"] for c in r.get("changes", []) if c.get("image") == "example/app"]
    assert app == [], after
    assert "newTag: 1.0.0" in story.show(DEV)

    # lifting the hold is a safety action too: it lands while the window is closed again
    next_morning = MORNING.replace(day=20)
    (res,) = run(capsys, story, next_morning, "unhold", "dev", "example/app")["results"]
    assert res["action"] == "commit", res
    assert "example/app" not in story.show(HOLDS)  # the entry gone (the file with it, when empty)
    # the release it let through still waits for the window
    (res,) = run(capsys, story, next_morning, "update", "--env", "dev")["results"]
    assert res["action"] == "unchanged" and any(
        w.startswith("deferred by window until") for w in res["warnings"]
    )
    assert "newTag: 1.0.0" in story.show(DEV)
    assert story.unexpected() == []


def test_a_rollback_by_pull_request_under_a_closed_window_gets_its_auto_merge_at_once(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    run(capsys, story, OPEN, "update", "--env", "staging")
    (released,) = story.open_requests()
    assert released["auto_merge"] == "squash"  # inside the window, as every release
    story.merge(released["number"])
    assert "1.1.0" in story.show("overlays/staging/kustomization.yaml")

    out = run(capsys, story, MORNING, "rollback", "staging")
    (res,) = out["results"]
    assert res["action"] == "pull_request", res
    assert not any("deferred" in w for w in res.get("warnings", [])), res
    (rollback,) = story.open_requests()
    assert "rollback" in rollback["head"]
    assert rollback["auto_merge"] == "squash", rollback  # requested now, not at noon
    assert "auto-merge deferred" not in rollback["body"]
    assert story.unexpected() == []
