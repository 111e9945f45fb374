"""A kept worktree is one path object however often it is opened: the readings' bounded caches
key on the checkout's root, and a watch's every cycle opening its own object of the same path
kept one alive in each key a later cycle made (core/files.py's parts under tracemalloc)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.git.git import GitWorkspace
from testkit.local_git import origin_and_clone


def test_each_cycle_checks_the_kept_worktree_out_at_one_path_object(tmp_path: Path) -> None:
    origin, _ = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    roots = []
    for _ in range(2):
        ws = GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache")
        ws.fetch(None, "gitops-bot")
        roots.append(ws.checkout_base())
        repo = ws.repo_at(roots[-1])
        assert repo is not None and repo.path is roots[-1]  # opened at that object, not a copy
        ws.close()
    assert roots[0] == roots[1] and roots[0] is roots[1]
