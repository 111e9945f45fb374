"""Open pull requests follow a freeze, and a person's promotion follows its source, whatever
the environment's automatic rules.

- An update pull request is open with auto-merge requested when its environment's freeze is
  merged: the next ``update`` leaves no pull request with auto-merge requested (it supersedes
  the open one: closed with why, opened again without auto-merge), and the one that remains is
  marked; a dry run first says exactly what the run then does, and a second run changes
  nothing. On GitHub and on GitLab.
- A promotion a person opened into production (no ``auto_promote``) is marked, once, when
  staging turns Degraded, and left open; a dry run says so first and writes nothing.

The real registry and git remote, each forge's spec-held fake, Argo CD's, and the bot's clock
set by the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.next_step import FROZEN_MARK
from testkit.forge_story import Story, run, stories
from testkit.markup import shown
from testkit.promotion_world import World
from testkit.promotion_world import run as run_promotion
from testkit.registry_process import RegistryProcess
from testkit.soak_clock import promoted_to_staging, running

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param``: staging opens pull requests with auto-merge."""
    yield from stories(request.param, tmp_path, registry, monkeypatch)


def _staging(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "staging" and r.get("kind") == "update"]


def test_a_freeze_withdraws_an_open_update_pull_requests_auto_merge_and_marks_it(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    run(capsys, story, NOW, "update", "--env", "staging")
    (opened,) = story.open_requests()
    assert opened["auto_merge"] == "squash"

    run(capsys, story, NOW, "freeze", "staging", "--until", UNTIL, "--reason", "year-end freeze")
    (freeze,) = [r for r in story.open_requests() if "freeze" in r["head"]]
    story.merge(freeze["number"])

    dry = _staging(run(capsys, story, NOW, "update", "--env", "staging", "--dry-run"))
    assert [r["action"] for r in dry] == ["dry_run"]
    assert dry[0]["next_step"]["action"] == "supersede"
    assert [c["number"] for c in dry[0]["next_step"]["closes"]] == [opened["number"]]
    assert story.open_requests() == [opened]  # the dry run wrote nothing

    done = _staging(run(capsys, story, NOW, "update", "--env", "staging"))
    assert [r["next_step"] for r in done] == [r["next_step"] for r in dry]
    assert [r["warnings"] for r in done] == [r["warnings"] for r in dry]
    assert done[0]["warnings"][0] == f"not updated: staging is frozen until {UNTIL}: year-end freeze"
    (now_open,) = story.open_requests()
    assert now_open["auto_merge"] is None  # nothing merges it inside the freeze
    assert now_open["head"] == opened["head"] and now_open["number"] != opened["number"]
    assert now_open["body"].count(FROZEN_MARK) == 1 and "year-end freeze" in shown(now_open["body"])
    assert "1.1.0" in now_open["body"]  # the same proposal, marked

    again = _staging(run(capsys, story, NOW, "update", "--env", "staging"))
    assert again[0]["next_step"]["action"] == "leave"
    assert story.open_requests() == [now_open]
    assert story.unexpected() == []


def test_a_persons_promotion_is_marked_when_its_source_turns_degraded_without_auto_promote(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    world.staging_runs(*images)
    run_promotion(capsys, world, "promote", "staging", "production")
    (mine,) = world.github.open_pulls()
    body = mine["body"]

    world.staging_runs(*images, health="Degraded")
    dry = run_promotion(capsys, world, "update", "--env", "production", "--dry-run")
    said = [w for r in dry["results"] for w in r["warnings"]]
    assert any(w.startswith(f"would mark pull request #{mine['number']}: ") for w in said), said
    assert world.github.open_pulls()[0]["body"] == body

    run_promotion(capsys, world, "update", "--env", "production")
    run_promotion(capsys, world, "update", "--env", "production")
    (still,) = world.github.open_pulls()
    assert still["number"] == mine["number"]
    assert still["body"].count("gitops-bot no longer stands behind this: ") == 1
    assert "Degraded" in shown(still["body"])
