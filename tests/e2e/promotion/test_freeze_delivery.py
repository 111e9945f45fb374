"""Freezes are releases delivered like every other: under ``git.signing: github-api`` the
commit is the one GitHub made (and signed) through its API, the pull request gets the
configured labels and reviewers, and two environments' open freeze pull requests both merge,
one after the other, because each environment has its own freeze file. The single
``gitops-bot.freezes.yaml`` of earlier versions is still honoured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from gitops_bot.core import instants
from testkit.promotion_world import World, add_files, run
from testkit.update_world import git

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"


@contextmanager
def clock_at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> Iterator[None]:
    with monkeypatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        yield


def files_on_main(world: World) -> list[str]:
    return git(world.remote, "ls-tree", "-r", "--name-only", "main").splitlines()


def test_a_freeze_under_github_api_signing_is_a_commit_github_made(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_files(world, {}, ("gitops-bot.yaml", "github:\n", "git:\n  signing: {method: github-api}\ngithub:\n"))
    with clock_at(monkeypatch, NOW):
        # dev lands by commit: the commit on main is the one GitHub created (and signs)
        sha = run(capsys, world, "freeze", "dev", "--until", "3d", "--reason", "migration")["results"][0][
            "commit"
        ]
        assert git(world.remote, "rev-parse", "main") == sha
        assert world.github.git_data.api_commits == [sha]
        assert git(world.remote, "show", "-s", "--format=%cn <%ce>", sha) == "GitHub <noreply@github.com>"
        assert "reason: migration" in world.show("gitops-bot.freezes/dev.yaml")
        # staging by pull request: its branch holds a GitHub-made commit too
        out = run(capsys, world, "freeze", "staging", "--until", UNTIL, "--reason", "year end")
        (res,) = out["results"]
        assert res["kind"] == "freeze"
        head = git(world.remote, "rev-parse", f"refs/heads/{res['branch']}")
        assert head in world.github.git_data.api_commits and len(world.github.git_data.api_commits) == 2
        # lifting it deletes the file, through the API as well
        run(capsys, world, "unfreeze", "dev")
        assert "gitops-bot.freezes/dev.yaml" not in files_on_main(world)
        assert git(world.remote, "rev-parse", "main") == world.github.git_data.api_commits[-1]


def test_two_environments_freeze_pull_requests_merge_one_after_the_other(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_files(
        world,
        {},
        ("gitops-bot.yaml", "github:\n", "pull_request:\n  labels: [freeze]\n  reviewers: [dana]\ngithub:\n"),
    )
    with clock_at(monkeypatch, NOW):
        run(capsys, world, "freeze", "staging", "--until", UNTIL, "--reason", "year end")
        run(capsys, world, "freeze", "production", "--until", UNTIL, "--reason", "year end")
        first, second = sorted(world.github.open_pulls(), key=lambda pr: pr["number"])
        world.github.merge(first["number"])
        world.github.merge(second["number"])  # a conflict would fail the three-way merge here
        for pr in (first, second):  # decorated like every release's pull request
            assert [lb["name"] for lb in pr["labels"]] == ["freeze"]
            assert [r["login"] for r in pr["requested_reviewers"]] == ["dana"]
        on_main = files_on_main(world)
        assert (
            "gitops-bot.freezes/staging.yaml" in on_main and "gitops-bot.freezes/production.yaml" in on_main
        )
        refused = run(capsys, world, "promote", "staging", "production", code=4)
        assert f"production is frozen until {UNTIL}: year end" in refused["error"]


def test_the_single_freezes_file_is_still_read_and_an_environment_moves_out_of_it(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy = (
        "dev:\n  until: 2026-12-01T00:00:00Z\n  reason: old style\n"
        "production:\n  until: 2026-12-28T00:00:00Z\n  reason: year end\n"
    )
    add_files(world, {"gitops-bot.freezes.yaml": legacy})
    with clock_at(monkeypatch, NOW):
        world.push("app", "1.1.0")
        upd = run(capsys, world, "update", "--env", "dev")
        assert upd["results"][0]["warnings"] == [
            "not updated: dev is frozen until 2026-12-01T00:00:00Z: old style"
        ]
        lifted = run(capsys, world, "unfreeze", "dev")
        assert lifted["results"][0]["action"] == "commit"
        rest = world.show("gitops-bot.freezes.yaml")
        assert "dev:" not in rest and "production:\n  until: 2026-12-28T00:00:00Z" in rest
        assert run(capsys, world, "update", "--env", "dev")["results"][0]["action"] == "commit"
