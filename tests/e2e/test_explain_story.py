"""``explain`` predicts when a closed window opens and what the decision becomes, and the run at
that instant does exactly that, on GitHub and on GitLab: the real registry and git remote,
each forge's spec-held fake, the bot's clock set by the test.

A window closed every morning until noon (UTC) on both environments of the update example: dev
commits to the base, staging opens pull requests with ``auto_merge``. At 10:00 app 1.1.0 is
out: ``explain`` says dev waits (window) and staging proposes with its auto-merge deferred, the
window's rule blocking, and that both change at 12:00 to the policy's proposal. At 11:59 the
run lands nothing; at 12:00 dev's commit lands and staging's auto-merge is requested."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.forge_story import Story, run, stories
from testkit.promotion_world import add_files
from testkit.registry_process import RegistryProcess

WINDOW = """    windows:
      timezone: UTC
      deny:
        - {days: [mon, tue, wed, thu, fri, sat, sun], to: "12:00"}
"""
MORNING = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
NOON = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
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


def _app(doc: dict[str, Any]) -> dict[str, Any]:
    (app,) = [i for i in doc["images"] if i["image"] == "example/app"]
    found: dict[str, Any] = app
    return found


def test_explain_predicts_the_window_opening_and_the_run_at_that_instant_does_it(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    dev = _app(run(capsys, story, MORNING, "explain", "dev"))
    assert (dev["decision"]["action"], dev["decision"]["rule"]) == ("wait", "window")
    window = {s["rule"]: s for s in dev["chain"]}["window"]
    assert window["decides"] and window["verdict"] == "blocking"
    assert window["until"] == "2026-11-19T12:00:00Z"
    assert {s["rule"]: s["verdict"] for s in dev["chain"]}["policy"] == "passed"  # it would propose
    change = dev["next_change"]
    assert change["at"] == "2026-11-19T12:00:00Z" and change["because"] == ["the window opens"]
    assert (change["decision"]["action"], change["decision"]["rule"]) == ("propose", "policy")

    staging = _app(run(capsys, story, MORNING, "explain", "staging", "example/app"))
    assert (staging["decision"]["action"], staging["decision"]["rule"]) == ("propose", "window")
    assert staging["next_change"]["at"] == "2026-11-19T12:00:00Z"
    assert staging["next_change"]["decision"]["rule"] == "policy"

    # the staging pull request opens in the morning, its auto-merge deferred
    run(capsys, story, MORNING, "update", "--env", "staging")
    (pr,) = story.open_requests()
    assert pr["auto_merge"] is None

    # a minute before the instant explain named, nothing lands; at it, both happen
    before = story.show(DEV)
    (res,) = run(capsys, story, NOON - timedelta(minutes=1), "update", "--env", "dev")["results"]
    assert res["action"] == "unchanged" and story.show(DEV) == before
    (res,) = run(capsys, story, NOON, "update", "--env", "dev")["results"]
    assert res["action"] == "commit", res
    assert "1.1.0" in story.show(DEV)
    run(capsys, story, NOON, "update", "--env", "staging")
    (pr,) = story.open_requests()
    assert pr["auto_merge"] is not None
    # done: up to date, and nothing known changes that
    after = _app(run(capsys, story, NOON, "explain", "dev"))
    assert after["decision"]["action"] == "up_to_date" and after["next_change"] is None
    assert story.unexpected() == []


def test_explain_at_a_later_instant_and_as_text_says_what_it_assumed(
    story: Story, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    story.push("app", "1.1.0")
    ahead = _app(run(capsys, story, MORNING, "explain", "dev", "--at", "+2h"))
    assert (ahead["decision"]["action"], ahead["decision"]["rule"]) == ("propose", "policy")
    monkeypatch.setattr(instants, "system_clock", lambda: MORNING)
    assert main(["explain", "dev", "example/app", "--repo", f"file://{story.remote}"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("dev at 2026-11-19T10:00:00Z\n")
    assert "  decision: wait (window): deny window" in text
    assert "    window " in text and "blocking (decides)" in text
    assert "  next change: 2026-11-19T12:00:00Z (the window opens): propose: " in text
    assert main(["explain", "dev", "--at", "2026-11-19T13:00:00Z", "--repo", f"file://{story.remote}"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head == (
        "dev at 2026-11-19T13:00:00Z (now is 2026-11-19T10:00:00Z; gates, health, checks and the "
        "registry's contents are taken as they read now)"
    )
