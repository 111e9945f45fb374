"""A person's rollback is read from what it did, not from the trailer it carries: Dana undoes
dev's release by hand and commits it with ``git commit -C`` of the bot's release commit, so her
commit carries the bot's message, its release trailer and its authorship. The values it leaves
are not the ones that release set: plan and status say the image is held, naming Dana (who
committed it) and her commit; ``update`` writes the hold and never puts the newer release back.

Over the update example on GitHub and on GitLab (dev commits to main): the real registry and
git remote, each forge's spec-held fake."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.ledger import release_of
from testkit.forge_story import Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.surfaces import Key, act
from testkit.surfaces import surfaces as check
from testkit.update_world import git

APP = "example/app"
HOLDS = "gitops-bot.holds.yaml"
DEV = "overlays/dev/kustomization.yaml"


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    yield from stories(request.param, tmp_path, registry, monkeypatch)


def surfaces(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(story.remote, story.tmp, capsys, [r["number"] for r in story.open_requests()])


def test_a_rollback_committed_with_the_bots_message_is_held_not_undone(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    run(capsys, story, datetime.now(UTC), "update", "--env", "dev")
    released = git(story.remote, "rev-parse", "main")
    trailer = release_of(git(story.remote, "log", "-1", "--format=%B", released))
    assert trailer is not None and "1.1.0" in story.show(DEV)

    # Dana undoes the release and commits it reusing the bot's commit: message, trailer, author
    work = story.tmp / "dana"
    subprocess.run(["git", "clone", "-q", str(story.remote), str(work)], check=True)
    git(work, "revert", "--no-commit", released)
    git(work, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-q", "-C", released)
    git(work, "push", "-q", "origin", "HEAD:main")
    rollback = git(work, "rev-parse", "HEAD")
    assert release_of(git(story.remote, "log", "-1", "--format=%B", rollback)) == trailer  # copied
    assert git(story.remote, "log", "-1", "--format=%an", rollback) != "Dana"  # the bot's authorship
    assert "1.1.0" not in story.show(DEV)

    held = surfaces(story, capsys)[("dev", APP)]  # plan, status, page and dashboard agree
    assert act(held) == ("blocked", "hold")
    assert "manual rollback: 1.1.0@" in held["reason"] and "by Dana (author " in held["reason"]
    assert f" in {rollback[:12]}" in held["reason"]

    out = run(capsys, story, datetime.now(UTC), "update", "--env", "dev")
    assert [r["kind"] for r in out["results"] if r["action"] == "commit"] == ["hold"]
    assert "1.1.0" not in story.show(DEV)  # the newer release is not put back
    assert story.open_requests() == []
    assert "by Dana (author " in story.show(HOLDS) and rollback[:12] in story.show(HOLDS)
    again = run(capsys, story, datetime.now(UTC), "update", "--env", "dev")
    assert not any(r["action"] in ("commit", "create", "update") for r in again["results"])
    assert "1.1.0" not in story.show(DEV)
    assert story.unexpected() == []
