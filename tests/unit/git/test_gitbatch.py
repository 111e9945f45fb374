"""git/gitbatch.py against real bare remotes: tips in one read, objects written without a
worktree, commits as ``git commit`` makes them, one push with a lease per branch."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import GitError
from gitops_bot.git import gitbatch
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitbatch import RefUpdate, Tip
from testkit.examples import examples

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "dev",
    "GIT_AUTHOR_EMAIL": "d@x",
    "GIT_COMMITTER_NAME": "dev",
    "GIT_COMMITTER_EMAIL": "d@x",
}


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], input=data, capture_output=True, check=True, env=ENV
    ).stdout.decode()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare remote: main with two overlays, and the bot's branch for env1 holding an edit."""
    remote, seed = tmp_path / "remote.git", tmp_path / "seed"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    for env in ("env1", "env2"):
        (seed / "overlays" / env).mkdir(parents=True)
        (seed / "overlays" / env / "kustomization.yaml").write_text("newTag: 1.0.0\n")
    (seed / "run.sh").write_text("#!/bin/sh\n")
    (seed / "run.sh").chmod(0o755)
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "initial")
    git(seed, "push", "-q", str(remote), "main")
    (seed / "overlays/env1/kustomization.yaml").write_text("newTag: 1.1.0\n")
    git(seed, "commit", "-qam", "env1")
    git(seed, "push", "-q", str(remote), "HEAD:refs/heads/gitops-bot/env1")
    return remote


@pytest.fixture
def ws(remote: Path, tmp_path: Path) -> Iterator[GitWorkspace]:
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch(None, "gitops-bot")
        yield ws


def remote_sha(remote: Path, branch: str) -> str | None:
    out = subprocess.run(
        ["git", "-C", str(remote), "rev-parse", "--verify", "-q", branch], capture_output=True
    )
    return out.stdout.decode().strip() or None


def test_tips_are_every_bot_branch_with_its_tree_in_one_read(ws: GitWorkspace, remote: Path) -> None:
    sha = git(remote, "rev-parse", "gitops-bot/env1").strip()
    tree = git(remote, "rev-parse", "gitops-bot/env1^{tree}").strip()
    assert gitbatch.tips(ws, "gitops-bot") == {"gitops-bot/env1": Tip(sha, tree)}


def test_a_computed_tree_equals_the_branch_holding_the_same_edit(ws: GitWorkspace) -> None:
    commit, base = gitbatch.base_tree(ws)
    assert commit == ws.remote_sha(ws.base)
    assert base.oid == ws.tree_of(ws.base_ref)
    held = gitbatch.tips(ws, "gitops-bot")["gitops-bot/env1"].tree
    assert base.with_files({"overlays/env1/kustomization.yaml": b"newTag: 1.1.0\n"})[0] == held
    assert base.with_files({"overlays/env1/kustomization.yaml": b"newTag: 1.2.0\n"})[0] != held


def test_commits_pushed_in_one_push_each_with_its_own_lease(ws: GitWorkspace, remote: Path) -> None:
    parent, base = gitbatch.base_tree(ws)
    env1_before = remote_sha(remote, "gitops-bot/env1")
    updates = []
    for env, expected in (("env1", env1_before), ("env2", None), ("env3", parent)):
        tree, objects = base.with_files({f"overlays/{env}/kustomization.yaml": b"newTag: 2.0.0\n"})
        assert gitbatch.can_write_objects(ws)
        gitbatch.write_objects(ws, objects)
        sha = gitbatch.commit_tree(ws, tree, parent, f"bump {env}\n\n\nbody  \n", name="bot", email="b@x")
        updates.append(RefUpdate(f"gitops-bot/{env}", sha, expected))
    result = gitbatch.push(ws, updates)
    assert result.pushed == {"gitops-bot/env1", "gitops-bot/env2"}
    assert result.raced == {"gitops-bot/env3"}  # expected at main, but absent: another push's
    assert result.failed == {}
    assert remote_sha(remote, "gitops-bot/env3") is None
    assert remote_sha(remote, "gitops-bot/env2") == updates[1].new
    # what git commit would have recorded: message cleaned up, author and committer the bot
    assert (
        git(remote, "log", "-1", "--format=%an <%ae>|%cn|%B", "gitops-bot/env2")
        == "bot <b@x>|bot|bump env2\n\nbody\n\n"
    )
    assert git(remote, "show", "gitops-bot/env2:overlays/env2/kustomization.yaml") == "newTag: 2.0.0\n"
    assert "100755" in git(remote, "ls-tree", "gitops-bot/env2", "run.sh")  # modes kept
    git(remote, "fsck", "--strict")


def test_a_branch_the_remote_refuses_is_held_back_and_the_others_pushed(
    ws: GitWorkspace, remote: Path
) -> None:
    hook = remote / "hooks" / "update"
    hook.write_text('#!/bin/sh\ncase "$1" in *env2) echo protected >&2; exit 1;; esac\n')
    hook.chmod(0o755)
    parent = git(remote, "rev-parse", "main").strip()
    updates = [RefUpdate(f"gitops-bot/{e}", parent, None) for e in ("env2", "env4")]
    result = gitbatch.push(ws, updates)
    assert result.pushed == {"gitops-bot/env4"}
    # "[remote rejected]" is how GitHub words a lost race too: retried, as a single push is
    assert result.raced == {"gitops-bot/env2"}
    assert remote_sha(remote, "gitops-bot/env2") is None


def test_a_remote_that_is_gone_fails_the_push(ws: GitWorkspace, remote: Path) -> None:
    remote.rename(remote.with_name("moved.git"))
    with pytest.raises(GitError, match="git push failed"):
        gitbatch.push(ws, [RefUpdate("gitops-bot/env2", "0" * 40, None)])


@settings(max_examples=examples(40), deadline=None)
@given(st.text(alphabet=" \t\nab#\r", max_size=30))
def test_messages_are_cleaned_up_as_git_does(message: str) -> None:
    expected = subprocess.run(["git", "stripspace"], input=message.encode(), capture_output=True, check=True)
    assert gitbatch.stripspace(message) == expected.stdout.decode()


def test_a_cached_clone_keeps_one_worktree_from_run_to_run(remote: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def run() -> Path:
        with GitWorkspace.open(f"file://{remote}", cache_dir=cache) as ws:
            ws.fetch(None, "gitops-bot")
            root = ws.checkout_base()
            assert (root / "overlays/env1/kustomization.yaml").read_text() == "newTag: 1.0.0\n"
            assert not (root / "junk.txt").exists()
            (root / "overlays/env1/kustomization.yaml").write_text("edited\n")  # what a run leaves
            (root / "junk.txt").write_text("left behind\n")
            return root

    first = run()
    assert first.exists() and first.is_relative_to(cache)  # kept after the run
    assert run() == first  # reused, reset and cleaned
    shutil.rmtree(first)  # the worktree is gone, still registered (and locked): made again
    assert run() == first
    (key,) = [p for p in (cache / "repos").iterdir() if p.is_dir()]
    shutil.rmtree(key)  # the clone is made again: so is its worktree
    assert run() == first
    (key,) = [p for p in (cache / "repos").iterdir() if p.is_dir()]
    listed = git(key, "worktree", "list", "--porcelain")
    assert listed.count("worktree ") == 2 and str(first) in listed  # the bare clone and its one worktree
