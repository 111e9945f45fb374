"""The remote-tracking refs of the cache's clone are listed (``for-each-ref``) once for what the
files they are read from hold: a watch's next cycle over an unchanged repository lists none, a
fetch that moved a branch lists them once (after it, not before and after), and a ref changed,
packed or being written behind the workspace's back is listed again."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.git import gitcli
from gitops_bot.git.git import GitWorkspace
from testkit.local_git import commit, git, origin_and_clone, write


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every ``for-each-ref`` the bot starts, by its arguments."""
    seen: list[list[str]] = []
    real = gitcli.completed

    def counted(args: list[str], *rest: Any, **kw: Any) -> subprocess.CompletedProcess[bytes]:
        if args[0] == "for-each-ref":
            seen.append(args)
        return real(args, *rest, **kw)

    monkeypatch.setattr(gitcli, "completed", counted)
    return seen


def _cycle(tmp_path: Path, origin: Path) -> dict[str, tuple[str, str]]:
    """What a watch's cycle asks of one repository's refs: fetched (or not), then read."""
    ws = GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache")
    try:
        ws.fetch(None, "gitops-bot")
        return dict(ws.remote_refs())
    finally:
        ws.close()


def test_an_unchanged_repositorys_refs_are_listed_once_and_a_moved_ones_once_a_fetch(
    tmp_path: Path, listings: list[list[str]]
) -> None:
    origin, clone = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    first = _cycle(tmp_path, origin)
    listings.clear()
    assert _cycle(tmp_path, origin) == first
    assert _cycle(tmp_path, origin) == first
    assert listings == []  # nothing moved: the files hold what they held

    moved = commit(write(clone, {"a.yaml": "a: 2\n"}), "two")
    git(clone, "push", "-q", "origin", "HEAD:main")
    refs = _cycle(tmp_path, origin)
    assert refs["refs/remotes/origin/main"][0] == moved
    assert len(listings) == 1  # after the fetch alone: before it, the files were as listed


def test_a_ref_changed_packed_or_being_written_behind_the_workspace_is_listed_again(
    tmp_path: Path, listings: list[list[str]]
) -> None:
    origin, clone = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    first = _cycle(tmp_path, origin)
    [store] = [p for p in (tmp_path / "cache" / "repos").iterdir() if p.is_dir()]
    old = first["refs/remotes/origin/main"][0]
    other = commit(write(clone, {"a.yaml": "a: 3\n"}), "three")
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/other")
    git(store, "fetch", "-q", "origin", "refs/heads/other")
    listings.clear()

    # another process moved the ref (as a run on the same cache would): the same size, new bytes
    git(store, "update-ref", "refs/remotes/origin/main", other)
    ws = GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache")
    assert ws.remote_refs()["refs/remotes/origin/main"][0] == other
    ws.close()
    assert len(listings) == 1

    git(store, "update-ref", "refs/remotes/origin/main", old)
    git(store, "pack-refs", "--all")  # the loose refs moved into packed-refs: the same refs
    assert _cycle(tmp_path, origin) == first
    assert len(listings) == 2

    lock = store / "refs" / "remotes" / "origin" / "main.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(other + "\n")  # a ref being written: not known to be what was listed
    assert _cycle(tmp_path, origin) == first
    assert _cycle(tmp_path, origin) == first
    assert len(listings) == 4
