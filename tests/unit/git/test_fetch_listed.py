"""The cache's clone is fetched only when the remote's listing shows a branch moved, came or went
(a watch's cycle over an unchanged repository fetches nothing): a new commit on the base, a
default branch changed (even to a branch at the same commit), the bot's branches pushed or
deleted, an environment's own branch moved, each is fetched as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.git.git import GitWorkspace
from testkit.local_git import commit, git, origin_and_clone, write


@pytest.fixture
def remote(tmp_path: Path) -> tuple[Path, Path]:
    return origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})


def _fetch(tmp_path: Path, origin: Path, base: str | None = None, own: tuple[str, ...] = ()) -> GitWorkspace:
    ws = GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache")
    ws.branches = own
    ws.fetch(base, "gitops-bot")
    ws.close()
    return ws


def _push(clone: Path, branch: str, text: str) -> str:
    git(clone, "checkout", "-q", "-B", branch)
    commit(write(clone, {"a.yaml": text}), text)
    git(clone, "push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}")
    return git(clone, "rev-parse", "HEAD").strip()


def test_a_moved_base_a_new_default_and_the_bots_branches_are_fetched(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    origin, clone = remote
    assert _fetch(tmp_path, origin).base == "main"
    moved = _push(clone, "main", "a: 2\n")
    ws = _fetch(tmp_path, origin)
    assert ws.remote_sha("main") == moved

    git(origin, "branch", "trunk", "main")  # the same commit as main
    git(origin, "symbolic-ref", "HEAD", "refs/heads/trunk")
    ws = _fetch(tmp_path, origin)
    assert (ws.base, ws.remote_sha("trunk")) == ("trunk", moved)

    bot = _push(clone, "gitops-bot/staging", "a: 3\n")
    assert _fetch(tmp_path, origin).remote_sha("gitops-bot/staging") == bot
    git(origin, "branch", "-D", "gitops-bot/staging")
    assert _fetch(tmp_path, origin).remote_sha("gitops-bot/staging") is None


def test_a_named_base_and_an_environments_own_branch_moved_are_fetched(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    origin, clone = remote
    first = _push(clone, "env/prod", "a: prod\n")
    assert _fetch(tmp_path, origin, "main", ("env/prod",)).remote_sha("env/prod") == first
    second = _push(clone, "env/prod", "a: prod 2\n")
    assert _fetch(tmp_path, origin, "main", ("env/prod",)).remote_sha("env/prod") == second
    moved = _push(clone, "main", "a: 4\n")
    assert _fetch(tmp_path, origin, "main", ("env/prod",)).remote_sha("main") == moved
