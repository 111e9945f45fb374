"""`update` with the branches of its pull requests made in one batch (batch.py): the same
trees as the worktree makes, a branch another bot moved retried, and the worktree path kept
where a computed tree could differ from git's (.gitattributes)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.engine import batch
from gitops_bot.git import gitbatch
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world, update


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


def commit_to_main(world: World, change: Any, message: str) -> None:
    """Another actor's commit on main: ``change(checkout)`` edits a clone."""
    other = world.tmp / "other"
    if not other.exists():
        subprocess.run(["git", "clone", "-q", str(world.remote), str(other)], check=True)
    git(other, "pull", "-q", "origin", "main")
    change(other)
    git(other, "add", "-A")
    git(other, "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-qm", message)
    git(other, "push", "-q", "origin", "HEAD:main")


def spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_the_batch_makes_the_tree_the_worktree_makes(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Symlinked overlay, CRLF and a BOM, an executable file beside: the branch the batch
    pushes holds the tree a commit of the edited worktree records (the dry run, which edits
    the worktree, finds the branch already holding it). The overlay is a link to a directory
    (kubectl kustomize refuses a kustomization.yaml that is itself a link: "unable to find one
    of 'kustomization.yaml' ...", so the environment would be refused, as it is)."""

    def reshape(checkout: Path) -> None:
        shared = checkout / "overlays/shared-staging"
        shared.mkdir()
        text = (checkout / "overlays/staging/kustomization.yaml").read_text()
        (shared / "kustomization.yaml").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
        (shared / "hook.sh").write_text("#!/bin/sh\n")
        (shared / "hook.sh").chmod(0o755)
        (checkout / "overlays/staging/kustomization.yaml").unlink()
        (checkout / "overlays/staging").rmdir()
        os.symlink("shared-staging", checkout / "overlays/staging")

    commit_to_main(world, reshape, "shared overlay")
    digest = world.push("app", "1.1.0")
    pushes = spy(monkeypatch, gitbatch, "push")
    (res,) = update(capsys, world, "--env", "staging")["results"]
    assert res["action"] == "pull_request" and len(pushes) == 1
    text = world.show("gitops-bot/staging", "overlays/shared-staging/kustomization.yaml")
    assert text.startswith(b"\xef\xbb\xbf") and f"digest: {digest}\r\n".encode() in text
    assert git(world.remote, "cat-file", "-t", "gitops-bot/staging:overlays/staging") == "blob"  # the link
    assert res["images"][0]["files"] == ["overlays/staging/kustomization.yaml"]
    (dry,) = update(capsys, world, "--env", "staging", "--dry-run")["results"]
    assert dry["commit"] == world.sha("gitops-bot/staging")


def test_a_branch_another_bot_moved_is_pushed_again_with_the_new_lease(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = world.push("app", "1.1.0")
    original = gitbatch.push
    calls: list[gitbatch.PushResult] = []

    def racing(ws: Any, updates: Any) -> gitbatch.PushResult:
        if not calls:  # another bot pushes the branch first, once
            main = world.sha("main")
            git(world.remote, "update-ref", "refs/heads/gitops-bot/staging", main)
        calls.append(original(ws, updates))
        return calls[-1]

    monkeypatch.setattr(gitbatch, "push", racing)
    (res,) = update(capsys, world, "--env", "staging")["results"]
    assert [c.raced for c in calls] == [{"gitops-bot/staging"}, set()]
    assert [c.pushed for c in calls] == [set(), {"gitops-bot/staging"}]
    assert res["action"] == "pull_request" and res["commit"] == world.sha("gitops-bot/staging")
    assert digest in world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
    assert len(world.github.open_pulls()) == 1


def test_the_second_run_makes_no_commit_and_no_push(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.push("app", "1.1.0")
    update(capsys, world, "--env", "staging")
    commits = spy(monkeypatch, gitbatch, "commit_tree")
    pushes = spy(monkeypatch, gitbatch, "push")
    (res,) = update(capsys, world, "--env", "staging")["results"]
    assert res["action"] == "unchanged" and res["pull_request"]
    assert commits == [] and pushes == []


def test_gitattributes_keep_the_worktree_path(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter or line-ending rule could make git record another blob than the edited text:
    those repositories are delivered through the worktree, as before."""
    commit_to_main(world, lambda c: (c / ".gitattributes").write_text("*.yaml text eol=lf\n"), "attributes")
    digest = world.push("app", "1.1.0")
    opened = spy(monkeypatch, batch.Batch, "open")
    (res,) = update(capsys, world, "--env", "staging")["results"]
    assert opened == [None]
    assert res["action"] == "pull_request"
    assert digest in world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
