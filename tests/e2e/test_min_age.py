"""min_age end to end over the real registry process: an image younger than the rule is not
proposed (the plan, its JSON and the PR body say until when it waits); once old enough, by the
controlled clock, it is; and an update run twice changes nothing the second time."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.update_world import World, git, update

PUSHED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the new image's config ``created``
UNTIL = "2026-11-23T10:00:00Z"  # PUSHED + min_age 1h


def set_min_age(world: World) -> Path:
    """The app image gets ``min_age: 1h`` in gitops-bot.yaml (a commit on main); the checkout
    that made it, where ``plan`` runs."""
    work = Path(tempfile.mkdtemp(dir=world.tmp)) / "edit"
    git(world.tmp, "clone", "-q", str(world.remote), str(work))
    path = work / "gitops-bot.yaml"
    text = path.read_text()
    assert '    range: "^1"\n' in text
    path.write_text(text.replace('    range: "^1"\n', '    range: "^1"\n    min_age: 1h\n'))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "min_age")
    git(work, "push", "-q", "origin", "main")
    return work


def at(monkeypatch: pytest.MonkeyPatch, minutes_after_push: int) -> None:
    """The bot's clock reads this time (no sleeping)."""
    when = PUSHED + timedelta(minutes=minutes_after_push)
    monkeypatch.setattr(instants, "system_clock", lambda: when)


def plan(capsys: pytest.CaptureFixture[str], checkout: Path, *extra: str) -> str:
    code = main(["plan", "--repo", str(checkout), "--env", "staging", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def app_item(result: dict[str, Any]) -> dict[str, Any]:
    (env,) = result["environments"]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item  # type: ignore[no-any-return]


def test_young_image_waits_for_min_age_then_is_proposed_and_updates_are_idempotent(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = set_min_age(world)
    new = world.pusher.image(
        f"{world.ns}/app", "1.1.0", created=instants.format_instant(PUSHED), salt="young"
    ).digest

    # 10 minutes after the push: 1.1.0 is not proposed; the deployed 1.0.0 is (pinned to its digest)
    at(monkeypatch, 10)
    text = plan(capsys, checkout)
    assert f"1.1.0 waiting until {UNTIL} (min_age 1h)" in text
    assert "1 waiting (min_age)" in text
    item = app_item(json.loads(plan(capsys, checkout, "--output", "json")))
    assert item["candidate"]["tag"] == "1.0.0"
    assert item["waiting"] == {
        "tag": "1.1.0",
        "digest": new,
        "until": UNTIL,
        "rule": "min_age",
        "min_age": "1h",
    }

    first = update(capsys, world, "--env", "staging")
    assert first["changed"] is True
    (pr,) = world.github.open_pulls()
    assert f"1.1.0 waiting until {UNTIL} (min_age 1h)" in pr["body"]
    assert "`1.1.0`" not in pr["body"]
    head = world.sha("gitops-bot/staging")
    again = update(capsys, world, "--env", "staging")
    assert again["changed"] is False and world.sha("gitops-bot/staging") == head

    # 61 minutes after the push: old enough, proposed; nothing waits any more
    at(monkeypatch, 61)
    item = app_item(json.loads(plan(capsys, checkout, "--output", "json")))
    assert (item["candidate"]["tag"], item["candidate"]["digest"]) == ("1.1.0", new)
    assert item["waiting"] is None and item["action"] == "update"
    third = update(capsys, world, "--env", "staging")
    assert third["changed"] is True
    (pr,) = world.github.open_pulls()
    assert f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{new}` |" in pr["body"]
    assert "waiting" not in pr["body"]
    head = world.sha("gitops-bot/staging")
    fourth = update(capsys, world, "--env", "staging")
    assert fourth["changed"] is False and world.sha("gitops-bot/staging") == head
    assert world.github.unexpected == []
