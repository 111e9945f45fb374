"""A person's rollback stays rolled back: someone reverts dev's release by hand (``git revert``
of the bot's commit, pushed by Dana); from the next read on, plan, status, the page and the
dashboard say the image is held, naming Dana, the commit and its subject; ``update`` writes the
hold to the holds file once (and tells the notification endpoint) and never proposes the newer
image over it; ``unhold`` lifts it for good, and so does Dana's own next change forward.

Over the promotion example: the real registry and git remote, the spec-held GitHub and Argo CD
servers, and a local notification endpoint."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from testkit.hook_server import HookServer
from testkit.promotion_world import World, add_files, release_dev, run
from testkit.surfaces import Key, act, declared
from testkit.surfaces import surfaces as check
from testkit.update_world import git

APP = "example/app"
HOLDS = "gitops-bot.holds.yaml"


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def by_dana(world: World, *argv: str) -> str:
    """Run git as Dana in a clone of the remote, push main; the new commit's sha."""
    work = world.tmp / "dana"
    if not work.exists():
        subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
    git(work, "pull", "-q", "--ff-only")
    git(work, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", *argv)
    git(work, "push", "-q", "origin", "HEAD:main")
    return git(work, "rev-parse", "HEAD")


def holds_file(world: World) -> str:
    try:
        return world.show(HOLDS)
    except subprocess.CalledProcessError:
        return ""


def test_a_manual_revert_is_held_everywhere_never_proposed_over_and_lifted_by_unhold(
    world: World, capsys: pytest.CaptureFixture[str], hooks: HookServer
) -> None:
    audit = f"notifications:\n  - {{name: audit, type: webhook, url: '{hooks.url}/audit'}}\n"
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", audit + "argocd:\n"))
    world.staging_runs(*declared(world.overlay("staging")))
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    released = git(world.remote, "rev-parse", "main")
    assert "1.1.0" in world.overlay("dev")
    hooks.received.clear()

    revert = by_dana(world, "revert", "--no-edit", released)
    assert "1.1.0" not in world.overlay("dev")
    s = surfaces(world, capsys)  # held from the first read, before any hold is written
    held = s[("dev", APP)]
    assert act(held) == ("blocked", "hold")
    assert "manual rollback: 1.1.0@" in held["reason"] and f"by Dana in {revert[:12]}" in held["reason"]
    assert "(Revert " in held["reason"]
    # held on the first read of a history the user may not know of: the line says how to lift it
    assert f"(fix: gitops-bot unhold dev {APP})" in held["reason"], held["reason"]

    out = run(capsys, world, "update", "--env", "dev")
    # her revert also took the worker back to its tag without the digest the release pinned:
    # both held in one hold release
    assert [r["kind"] for r in out["results"] if r["action"] == "commit"] == ["hold"]
    assert 'example/worker: "manual rollback: 2.0.0@' in holds_file(world)
    assert f"by Dana in {revert[:12]}" in holds_file(world)
    assert "1.1.0" not in world.overlay("dev")  # never proposed over it
    assert [h.body["event"] for h in hooks.received] == ["hold"]
    again = run(capsys, world, "update", "--env", "dev")
    assert not any(r["action"] == "commit" for r in again["results"])  # once
    assert act(surfaces(world, capsys)[("dev", APP)]) == ("blocked", "hold")

    # unhold: lifted for good, the newer image proposed (committed: dev writes commits) again
    run(capsys, world, "unhold", "dev", APP)
    assert APP not in holds_file(world)
    assert act(surfaces(world, capsys)[("dev", APP)]) == ("propose", "policy")
    run(capsys, world, "update", "--env", "dev")
    assert "1.1.0" in world.overlay("dev") and APP not in holds_file(world)


def test_the_persons_own_next_change_forward_lifts_their_hold(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.staging_runs(*declared(world.overlay("staging")))
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    released = git(world.remote, "rev-parse", "main")
    revert = by_dana(world, "revert", "--no-edit", released)
    run(capsys, world, "update", "--env", "dev")
    assert "manual rollback:" in holds_file(world)

    # Dana takes 1.1.0 again herself (reverting her revert): her hold has done its work
    forward = by_dana(world, "revert", "--no-edit", revert)
    assert "1.1.0" in world.overlay("dev")
    out = run(capsys, world, "update", "--env", "dev")
    assert {r["kind"] for r in out["results"] if r["action"] == "commit"} == {"hold"}  # the unholds
    assert APP not in holds_file(world)
    assert act(surfaces(world, capsys)[("dev", APP)]) == ("up_to_date", "policy")
    assert forward  # her commit, not the bot's, moved it forward
