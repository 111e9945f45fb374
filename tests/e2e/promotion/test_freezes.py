"""Freezes end to end on the promotion example (dev by commit, staging and production by pull
request): ``freeze`` and ``unfreeze`` land the environment's freeze file the way the environment
lands its releases, a second identical run changes nothing, a freeze refuses ``promote`` (exit
4, one line saying until when and why) unless ``--force --reason`` (the reason reaches the
pull request), and ``update`` leaves a frozen environment alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from gitops_bot.core import instants
from testkit.markup import shown
from testkit.promotion_world import World, release_dev, run
from testkit.update_world import git


@contextmanager
def frozen_at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> Iterator[None]:
    """The bot's clock (``instants.system_clock``, read by each run's App) says ``when``."""
    with monkeypatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        yield


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"
FILE = "gitops-bot.freezes/staging.yaml"  # one file per environment
DEV_FILE = "gitops-bot.freezes/dev.yaml"


def test_a_freeze_refuses_promote_unless_forced_with_a_reason(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    with frozen_at(monkeypatch, NOW):
        out = run(capsys, world, "freeze", "staging", "--until", UNTIL, "--reason", "year-end freeze")
        (res,) = out["results"]
        assert res["action"] == "pull_request" and res["branch"] == "gitops-bot/freeze/staging"
        again = run(capsys, world, "freeze", "staging", "--until", UNTIL, "--reason", "year-end freeze")
        assert again["results"][0]["action"] == "unchanged" and len(world.github.pulls) == 1
        pr = world.merge_only_pr()
        assert pr["title"] == f"staging: freeze until {UNTIL}"
        assert f"  until: {UNTIL}\n  reason: year-end freeze" in world.show(FILE)

        refused = run(capsys, world, "promote", "dev", "staging", code=4)
        assert f"refused: staging is frozen until {UNTIL}: year-end freeze" in refused["error"]
        assert world.github.open_pulls() == []
        no_reason = run(capsys, world, "promote", "dev", "staging", "--force", code=2)
        assert "needs a reason" in no_reason["error"]
        for blank in ("   ", "\t\n", "\u2028"):
            empty = run(capsys, world, "promote", "dev", "staging", "--force", "--reason", blank, code=2)
            assert "needs a reason" in empty["error"] and "\n" not in empty["error"].strip()
        assert world.github.open_pulls() == []

        forced = run(capsys, world, "promote", "dev", "staging", "--force", "--reason", "CVE-2026-1 hotfix")
        assert forced["results"][0]["action"] == "pull_request"
        (pr,) = world.github.open_pulls()
        assert "freeze overridden" in shown(pr["body"]) and "CVE-2026-1 hotfix" in shown(pr["body"])
        world.github.merge(pr["number"])

        lifted = run(capsys, world, "unfreeze", "staging")
        assert lifted["results"][0]["action"] == "pull_request"
        world.merge_only_pr()
        assert FILE not in git(world.remote, "ls-tree", "-r", "--name-only", "main")
        twice = run(capsys, world, "unfreeze", "staging")
        assert twice["results"][0]["action"] == "unchanged" and world.github.open_pulls() == []

    with frozen_at(
        monkeypatch, datetime(2027, 1, 1, tzinfo=UTC)
    ):  # nothing frozen, and a past --until is refused
        past = run(capsys, world, "freeze", "staging", "--until", UNTIL, "--reason", "x", code=2)
        assert "in the past" in past["error"]


def test_a_commit_environment_freezes_by_commit_and_update_leaves_it_alone(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with frozen_at(monkeypatch, NOW):
        out = run(capsys, world, "freeze", "dev", "--until", "3d", "--reason", "migration")
        assert out["results"][0]["action"] == "commit"
        assert "  until: 2026-11-26T12:00:00Z\n  reason: migration" in world.show(DEV_FILE)
        head = git(world.remote, "rev-parse", "main")
        world.push("app", "1.1.0")
        upd = run(capsys, world, "update", "--env", "dev")
        (res,) = upd["results"]
        assert res["action"] == "unchanged"
        assert res["warnings"] == ["not updated: dev is frozen until 2026-11-26T12:00:00Z: migration"]
        assert git(world.remote, "rev-parse", "main") == head
    with frozen_at(monkeypatch, datetime(2026, 11, 27, tzinfo=UTC)):  # expired: ignored
        assert run(capsys, world, "update", "--env", "dev")["results"][0]["action"] == "commit"
