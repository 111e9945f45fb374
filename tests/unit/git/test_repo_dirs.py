"""The repositories the bot makes itself (the cache's bare clone, its linked worktrees) are
opened from the files git's layout keeps, where each was a ``rev-parse`` process: their git and
common directories are what git would answer, and a worktree whose files no longer lead to a
repository (its store cloned again since) is asked of git, which refuses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_bot.core.errors import GitError
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitcli import Repo
from testkit.local_git import git, origin_and_clone


def _asked(path: Path) -> tuple[Path, Path]:
    return Repo(path).git_dir, Repo(path).common_dir


def test_the_bare_clone_and_its_worktree_are_where_git_says(tmp_path: Path) -> None:
    origin, _ = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    with GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch(None, "gitops-bot")
        root = ws.checkout_base()
        store = Repo.bare(ws.store.path)
        assert (store.git_dir, store.common_dir) == _asked(ws.store.path)
        wt = Repo.linked(root)
        assert (wt.git_dir, wt.common_dir) == _asked(root)
        assert wt.run("rev-parse", "HEAD") == git(origin, "rev-parse", "main").strip()


def test_a_worktree_whose_store_was_cloned_again_is_refused_by_git(tmp_path: Path) -> None:
    origin, _ = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    with GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch(None, "gitops-bot")
        root = ws.checkout_base()
        store = ws.store.path
    shutil.rmtree(store)
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(store))
    with pytest.raises(GitError):
        Repo.linked(root)  # its .git names a directory the new clone has not
    with GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch(None, "gitops-bot")
        again = ws.checkout_base()  # made anew where the kept one was
        assert again == root and (again / "a.yaml").read_text() == "a: 1\n"
        assert Repo.linked(again).common_dir == Repo.bare(store).common_dir


def test_a_directory_that_is_no_bare_clone_is_asked_of_git(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError):
        Repo.bare(tmp_path / "plain")
