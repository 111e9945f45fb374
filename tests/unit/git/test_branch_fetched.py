"""When a local checkout last fetched an environment's branch, as git recorded it (what a local
plan says it read): the clone's time for a branch the clone brought (no reflog of it), a
fetch's that moved it (its reflog), a later fetch's that found it unchanged (``FETCH_HEAD``,
listing it), and not a fetch of another branch; a local branch alone has no fetch time. On
real git, its times set through the committer date it records them with. And what a local plan
says of it: the commit and ref read, the fetch's time and age, and the fetch that reads it anew."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitops_bot.engine.branches import as_fetched
from gitops_bot.git.branch_tree import Fetched, fetched
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


def test_what_a_local_plan_says_of_the_branch_it_read() -> None:
    commit = "0123456789abcdef" * 2
    remote = Fetched("env/test", "refs/remotes/origin/env/test", commit, D1)
    fix = "update fetches it first: to plan what the remote holds now, git fetch origin env/test"
    said = "branch env/test: read origin/env/test at 0123456789ab, as fetched 2026-03-01T12:00:00Z"
    assert as_fetched(remote, D1 + timedelta(seconds=30)) == f"{said} (under a minute ago); {fix}"
    assert as_fetched(remote, D1 + timedelta(hours=3, minutes=12, seconds=5)) == f"{said} (3h12m ago); {fix}"
    assert as_fetched(remote, D2 + timedelta(hours=5, minutes=7)) == f"{said} (1d5h ago); {fix}"
    assert as_fetched(remote, D1 - timedelta(hours=1)) == f"{said} (ahead of this machine's clock); {fix}"
    unknown = replace(remote, at=None)
    assert as_fetched(unknown, D1) == (
        f"branch env/test: read origin/env/test at 0123456789ab, as last fetched (git kept no time of it); {fix}"
    )
    local = Fetched("env/test", "refs/heads/env/test", commit, None)
    assert as_fetched(local, D1) == (
        "branch env/test: read the local branch env/test at 0123456789ab (no origin/env/test fetched); "
        "update reads the remote's: to plan what it holds, git fetch origin env/test"
    )
