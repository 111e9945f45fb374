"""Worktree registrations whose directory is gone are pruned when a run opens the store, and
``git worktree prune`` runs only then: the list marks them prunable (a locked one is not)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gitops_bot.git.gitcli import Repo
from gitops_bot.git.store import prune_worktrees


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
