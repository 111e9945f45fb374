"""Worktree registrations whose directory is gone are pruned when a run opens the store, and
``git worktree prune`` runs only then: the list marks them prunable (a locked one is not). The
list is not asked where every registration is locked for a reason not a run's (the cache's kept
worktree: every run of a watch's cycle asked it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.git.gitcli import Repo
from gitops_bot.git.store import WT_LOCK, prune_worktrees


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_a_registration_whose_directory_is_gone_is_pruned_a_locked_one_kept(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x")
    _git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "gone"))
    _git(
        repo, "worktree", "add", "-q", "--detach", "--lock", "--reason", "a person's", str(tmp_path / "held")
    )
    shutil.rmtree(tmp_path / "gone")
    shutil.rmtree(tmp_path / "held")
    prune_worktrees(Repo(repo), exclusive=False)
    listed = _git(repo, "worktree", "list", "--porcelain")
    assert str(tmp_path / "gone") not in listed and str(tmp_path / "held") in listed


def _listed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The git commands the store is asked from here on."""
    asked: list[tuple[str, ...]] = []
    real = Repo.run

    def run(self: Repo, *args: str, **kw: Any) -> str:
        asked.append(args)
        return real(self, *args, **kw)

    monkeypatch.setattr(Repo, "run", run)
    return asked


def test_a_store_whose_worktrees_are_all_locked_for_other_reasons_is_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x")
    asked = _listed(monkeypatch)
    prune_worktrees(Repo(repo), exclusive=True)  # none registered
    _git(
        repo,
        "worktree",
        "add",
        "-q",
        "--detach",
        "--lock",
        "--reason",
        "gitops-bot cache",
        str(tmp_path / "k"),
    )
    prune_worktrees(Repo(repo), exclusive=True)  # the cache's kept worktree alone
    assert asked == []
    dead = tmp_path / "dead"  # a run's that died: listed, and removed
    _git(
        repo, "worktree", "add", "-q", "--detach", "--lock", "--reason", f"{WT_LOCK}1 on elsewhere", str(dead)
    )
    prune_worktrees(Repo(repo), exclusive=True)
    assert asked[0] == ("worktree", "list", "--porcelain") and not dead.exists()
    asked.clear()
    _git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "gone"))  # not locked: listed
    shutil.rmtree(tmp_path / "gone")
    prune_worktrees(Repo(repo), exclusive=True)
    assert asked[0] == ("worktree", "list", "--porcelain")
    listed = _git(repo, "worktree", "list", "--porcelain")
    assert str(tmp_path / "gone") not in listed and str(tmp_path / "k") in listed
