"""Auto-merge is never left requested on a pull request its decision no longer allows, on
GitHub and on GitLab:

- A promotion a person opened into production, with auto-merge requested, when production is
  then frozen: the next ``update`` marks it, once, withdraws its auto-merge in place and leaves
  it open (a person's pull request is never closed); the dry run first says exactly that step
  and writes nothing.
- An update pull request opened inside staging's deployment window, with auto-merge requested,
  when the window then closes: the next ``update`` supersedes it (closed with why, opened again
  on the same branch without auto-merge, its body saying auto-merge is deferred until the
  window opens), as a freeze does; the first run inside the window requests auto-merge again.

The real registry and git remote, each forge's spec-held fake, and the bot's clock set by the
test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from gitops_bot.release.windows import DEFERRED_MARK
from testkit.forge_story import Story, run, stories
from testkit.markup import shown
from testkit.registry_process import RegistryProcess

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"
STAGING = "  - name: staging\n    path: overlays/staging\n"
OFFICE_HOURS = """    windows:
      timezone: UTC
      allow:
        - {days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "18:00"}
"""
PRODUCTION = "  - name: production\n    path: overlays/production\n    promote_from: staging\n"


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    yield from stories(request.param, tmp_path, registry, monkeypatch)


def _of(out: dict[str, Any], environment: str, kind: str) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == environment and r.get("kind") == kind]


def _with_production(story: Story) -> None:
    """Production, promoted from staging, as the GitLab example has it already."""
    if "name: production" in story.show("gitops-bot.yaml"):
        return
    staging = story.show("overlays/staging/kustomization.yaml")
    story.commit(
        {
            "overlays/production/kustomization.yaml": lambda _: staging,
            "gitops-bot.yaml": lambda text: text.replace(STAGING, STAGING + PRODUCTION, 1),
        }
    )


def test_a_persons_promotion_into_a_frozen_environment_is_marked_its_auto_merge_withdrawn_and_left_open(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_production(story)
    story.push("app", "1.1.0")
    run(capsys, story, MONDAY_NOON, "update", "--env", "staging")
    (update,) = story.open_requests()
    story.merge(update["number"])
    run(capsys, story, MONDAY_NOON, "promote", "staging", "production")
    (mine,) = story.open_requests()
    assert "promot" in mine["head"] and mine["auto_merge"] == "squash"

    run(capsys, story, MONDAY_NOON, "freeze", "production", "--until", UNTIL, "--reason", "year-end freeze")
    (freeze,) = [r for r in story.open_requests() if "freeze" in r["head"]]
    story.merge(freeze["number"])

    dry = _of(
        run(capsys, story, MONDAY_NOON, "update", "--env", "production", "--dry-run"), "production", "update"
    )
    (step,) = [r["next_step"] for r in dry if r.get("next_step")]
    assert step["action"] == "update" and step.get("auto_merge_withdrawn") is True, step
    assert step["auto_merge"] is None and step["auto_merge_withheld"] == "marked"
    assert step["body"].count(STALE_MARK) == 1 and "year-end freeze" in shown(step["body"])
    assert story.open_requests() == [mine]  # the dry run wrote nothing

    done = _of(run(capsys, story, MONDAY_NOON, "update", "--env", "production"), "production", "update")
    assert [r["next_step"] for r in done if r.get("next_step")] == [step]
    (still,) = story.open_requests()
    assert still["number"] == mine["number"]  # a person's: left open
    assert still["auto_merge"] is None  # nothing merges it inside the freeze
    assert still["body"] == step["body"]

    again = _of(run(capsys, story, MONDAY_NOON, "update", "--env", "production"), "production", "update")
    assert [r["next_step"]["action"] for r in again if r.get("next_step")] == ["leave"]
    assert story.open_requests() == [still]
    assert story.unexpected() == []


def test_a_window_closing_withdraws_auto_merge_and_the_window_opening_requests_it_again(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.edit_config(STAGING, STAGING + OFFICE_HOURS)
    story.push("app", "1.1.0")
    run(capsys, story, MONDAY_NOON, "update", "--env", "staging")
    (opened,) = story.open_requests()
    assert opened["auto_merge"] == "squash" and DEFERRED_MARK not in opened["body"]

    dry = _of(
        run(capsys, story, MONDAY_EVENING, "update", "--env", "staging", "--dry-run"), "staging", "update"
    )
    (step,) = [r["next_step"] for r in dry]
    assert step["action"] == "supersede" and step["auto_merge"] is None
    assert step["auto_merge_withheld"] == "window"
    assert [c["number"] for c in step["closes"]] == [opened["number"]]
    assert "outside its deployment window" in step["closes"][0]["comment"]
    assert story.open_requests() == [opened]  # the dry run wrote nothing

    done = _of(run(capsys, story, MONDAY_EVENING, "update", "--env", "staging"), "staging", "update")
    assert [r["next_step"] for r in done] == [step]
    (deferred,) = story.open_requests()
    assert deferred["head"] == opened["head"] and deferred["number"] != opened["number"]
    assert deferred["auto_merge"] is None  # nothing merges it outside the window
    assert deferred["body"].count(DEFERRED_MARK) == 1 and "Tue 2026-11-24 08:00 UTC" in deferred["body"]

    again = _of(run(capsys, story, MONDAY_EVENING, "update", "--env", "staging"), "staging", "update")
    assert [r["next_step"]["action"] for r in again] == ["leave"]
    assert story.open_requests() == [deferred]

    opened_again = _of(run(capsys, story, TUESDAY_MORNING, "update", "--env", "staging"), "staging", "update")
    assert [r["next_step"]["action"] for r in opened_again] == ["update"]
    (now_open,) = story.open_requests()
    assert now_open["number"] == deferred["number"] and now_open["auto_merge"] == "squash"
    assert DEFERRED_MARK not in now_open["body"]
    assert story.unexpected() == []
