"""Deployment windows end to end: a real registry, a real bare git remote, the
spec-faithful GitHub server, and the bot's clock set by the test (``core.clock.frozen_at``).

A Friday-evening deny window opens the pull request but sends no auto-merge request, and a
commit environment pushes nothing to the base; on Monday the next run requests auto-merge and
lands the commit."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.update_world import World, git, update


@contextmanager
def frozen_at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> Iterator[None]:
    """The bot's clock (``instants.system_clock``, read by each run's App) says ``when``."""
    with monkeypatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        yield


PARIS = ZoneInfo("Europe/Paris")
FRIDAY_EVENING = datetime(2026, 11, 20, 18, 30, tzinfo=PARIS)
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
WINDOWS = """    windows:
      timezone: Europe/Paris
      deny:
        - {days: [fri], from: "16:00", to: "24:00"}
        - {days: [sat, sun]}
"""
NOTE = "auto-merge deferred: deny window fri 16:00-24:00 Europe/Paris until Mon 2026-11-23 00:00 Europe/Paris"


def _with_windows(world: World) -> None:
    """Give both environments of the update example the weekend deny window (a commit on main)."""
    work = world.tmp / "edit-windows"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
    cfg = work / "gitops-bot.yaml"
    text = cfg.read_text()
    for env in ("staging", "dev"):
        line = f"    path: overlays/{env}\n"
        assert line in text
        text = text.replace(line, line + WINDOWS)
    cfg.write_text(text)
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "windows")
    git(work, "push", "-q", "origin", "main")


def _auto_merge_requests(world: World) -> int:
    return sum(1 for p in world.github.paths("POST") if p.endswith("/graphql"))


def test_a_friday_evening_window_defers_auto_merge_and_commits_until_monday(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_windows(world)
    world.push("app", "1.1.0")
    main_before = world.sha("main")

    with frozen_at(monkeypatch, FRIDAY_EVENING):
        friday = update(capsys, world)
    by_env = {r["environment"]: r for r in friday["results"]}
    assert by_env["staging"]["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"] is None and _auto_merge_requests(world) == 0
    assert NOTE in pr["body"]
    assert [lb["name"] for lb in pr["labels"]] == ["gitops-bot", "release"]  # the rest still decorates
    assert NOTE in by_env["staging"]["warnings"]
    assert by_env["dev"]["action"] == "unchanged"
    assert any(
        w.startswith("deferred by window until Mon 2026-11-23 00:00 Europe/Paris")
        for w in by_env["dev"]["warnings"]
    )
    assert world.sha("main") == main_before  # nothing reached the base

    with frozen_at(monkeypatch, FRIDAY_EVENING):  # the same evening again: nothing new is asked
        update(capsys, world)
    assert _auto_merge_requests(world) == 0 and world.sha("main") == main_before

    with frozen_at(monkeypatch, MONDAY_MORNING):
        monday = update(capsys, world)
    by_env = {r["environment"]: r for r in monday["results"]}
    (pr,) = world.github.open_pulls()
    assert NOTE not in pr["body"]
    assert pr["auto_merge"]["merge_method"] == "squash" and _auto_merge_requests(world) == 1
    assert by_env["dev"]["action"] == "commit" and world.sha("main") != main_before

    with frozen_at(monkeypatch, MONDAY_MORNING):  # and once is enough
        update(capsys, world)
    assert _auto_merge_requests(world) == 1
    assert world.github.unexpected == []


def test_plan_says_why_and_until_when_a_window_is_closed(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_windows(world)
    checkout = world.tmp / "edit-windows"  # plan reads a checkout
    with frozen_at(monkeypatch, FRIDAY_EVENING):
        assert main(["plan", "--repo", str(checkout), "--output", "json"]) == 0
        planned = json.loads(capsys.readouterr().out)
        assert main(["plan", "--repo", str(checkout)]) == 0
        text = capsys.readouterr().out
    staging = next(e for e in planned["environments"] if e["name"] == "staging")
    assert staging["window"] == {
        "rule": "deny window fri 16:00-24:00 Europe/Paris",
        "until": "2026-11-22T23:00:00Z",
        "until_text": "Mon 2026-11-23 00:00 Europe/Paris",
    }
    assert staging["freeze"] is None
    assert f"  {NOTE}" in text.splitlines()
