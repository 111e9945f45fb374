"""When a local checkout last fetched an environment's branch, as git recorded it (what a local
plan says it read): the clone's time for a branch the clone brought (no reflog of it), a
fetch's that moved it (its reflog), a later fetch's that found it unchanged (``FETCH_HEAD``,
listing it), and not a fetch of another branch; a local branch alone has no fetch time. On
real git, its times set through the committer date it records them with."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from gitops_bot.git.branch_tree import fetched
from gitops_bot.git.gitlog import Checkout

D1, D2, D3 = (datetime(2026, 3, d, 12, 0, tzinfo=UTC) for d in (1, 2, 3))


def _git(cwd: Path, *args: str, at: datetime = D1) -> str:
    stamp = f"{int(at.timestamp())} +0000"
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_AUTHOR_NAME": "t"}
    env |= {"GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _commit(repo: Path, name: str) -> str:
    (repo / name).write_text(name)
    _git(repo, "add", name)
    _git(repo, "commit", "-qm", name)
    return _git(repo, "rev-parse", "HEAD").strip()


def test_the_fetch_time_of_a_branch_is_the_newest_git_recorded(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    _commit(origin, "a")
    _git(origin, "checkout", "-q", "-b", "env/test")
    first = _commit(origin, "b")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone), at=D1)

    got = fetched(Checkout(clone), "env/test")
    assert (got.ref, got.commit, got.at, got.remote) == ("refs/remotes/origin/env/test", first, D1, True)

    second = _commit(origin, "c")
    _git(clone, "fetch", "-q", "origin", at=D2)  # moves origin/env/test: its reflog
    os.utime(clone / ".git/FETCH_HEAD", (D1.timestamp(), D1.timestamp()))
    got = fetched(Checkout(clone), "env/test")
    assert (got.commit, got.at) == (second, D2)

    _git(clone, "fetch", "-q", "origin", "env/test", at=D3)  # unchanged: no reflog entry
    os.utime(clone / ".git/FETCH_HEAD", (D3.timestamp(), D3.timestamp()))
    assert fetched(Checkout(clone), "env/test").at == D3

    _git(clone, "fetch", "-q", "origin", "main", at=D3)  # another branch's fetch says nothing of it
    assert fetched(Checkout(clone), "env/test").at == D2


def test_a_local_branch_alone_has_no_fetch_time(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, "a")
    _git(repo, "branch", "env/test")
    got = fetched(Checkout(repo), "env/test")
    assert (got.ref, got.at, got.remote) == ("refs/heads/env/test", None, False)
