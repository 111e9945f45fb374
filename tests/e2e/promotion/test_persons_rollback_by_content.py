"""A person's rollback is read from what it did, not from the trailer it carries: Dana undoes
dev's release by hand and commits it with ``git commit -C`` of the bot's release commit, so her
commit carries the bot's message, its release trailer and its authorship. The values it leaves
are not the ones that release set: plan and status say the image is held, naming Dana (who
committed it) and her commit; ``update`` writes the hold and never puts the newer release back.

Over the promotion example: the real registry and git remote, the spec-held GitHub and Argo CD
servers."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from gitops_bot.release.ledger import release_of
from testkit.promotion_world import World, release_dev, run
from testkit.surfaces import Key, act, declared
from testkit.surfaces import surfaces as check
from testkit.update_world import git

APP = "example/app"
HOLDS = "gitops-bot.holds.yaml"


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def holds_file(world: World) -> str:
    try:
        return world.show(HOLDS)
    except subprocess.CalledProcessError:
        return ""


def test_a_rollback_committed_with_the_bots_message_is_held_not_undone(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.staging_runs(*declared(world.overlay("staging")))
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    released = git(world.remote, "rev-parse", "main")
    trailer = release_of(git(world.remote, "log", "-1", "--format=%B", released))
    assert trailer is not None and "1.1.0" in world.overlay("dev")

    # Dana undoes the release and commits it reusing the bot's commit: message, trailer, author
    work = world.tmp / "dana"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
    git(work, "revert", "--no-commit", released)
    git(work, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-q", "-C", released)
    git(work, "push", "-q", "origin", "HEAD:main")
    rollback = git(work, "rev-parse", "HEAD")
    assert release_of(git(world.remote, "log", "-1", "--format=%B", rollback)) == trailer  # copied
    assert git(world.remote, "log", "-1", "--format=%an", rollback) != "Dana"  # the bot's authorship
    assert "1.1.0" not in world.overlay("dev")

    held = surfaces(world, capsys)[("dev", APP)]  # plan, status, page and dashboard agree
    assert act(held) == ("blocked", "hold")
    assert "manual rollback: 1.1.0@" in held["reason"] and "by Dana (author " in held["reason"]
    assert f" in {rollback[:12]}" in held["reason"]

    out = run(capsys, world, "update", "--env", "dev")
    assert [r["kind"] for r in out["results"] if r["action"] == "commit"] == ["hold"]
    assert "1.1.0" not in world.overlay("dev")  # the newer release is not put back
    assert world.github.open_pulls() == []
    assert "by Dana (author " in holds_file(world) and rollback[:12] in holds_file(world)
    again = run(capsys, world, "update", "--env", "dev")
    assert not any(r["action"] in ("commit", "create", "update") for r in again["results"])
    assert "1.1.0" not in world.overlay("dev")
