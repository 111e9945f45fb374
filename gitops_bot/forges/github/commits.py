"""Commits created through GitHub's Git Data API (``git: signing: {method: github-api}``).

GitHub signs a commit it creates through the API and shows it "Verified", with no key for the
bot to manage (argocd-image-updater's approach). The change is still made and committed in the
local worktree (the diff, the tree and idempotence come from there); that commit is recreated
on GitHub with the same tree (blobs, one tree on top of the base tree, a commit), and the branch
ref is moved to it instead of a ``git push``. The local commit is never pushed.

Leases as in :meth:`Workspace.push`: a branch expected absent is created (422 when it exists);
one expected at a sha is force-moved only if it is still there; with no lease (the base branch)
the update must be a fast-forward. Each refusal is :class:`PushRejected`, so the caller re-applies
its edits on the new base as for a rejected push.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from github import GithubException, InputGitTreeElement

from gitops_bot.core.errors import PushRejected
from gitops_bot.git.git import Workspace

T = TypeVar("T")


class GitData(Protocol):
    """The GitHub connection, as this module uses it (:class:`gitops_bot.forges.github.adapter.GitHub`)."""

    def git_data(self, fn: Callable[[Any], T]) -> T: ...


def push(gh: GitData, ws: Workspace, branch: str, lease: tuple[str, str | None] | None) -> str:
    """Recreate the worktree's HEAD commit on GitHub and move ``branch`` to it; returns its sha."""
    parent, message, changes = ws.head_changes()

    def create(repo: Any) -> str:
        elements = []
        for path, mode, content in changes:
            if content is None:
                # a deletion: GitHub wants a blob mode with sha null, and refuses git's "000000"
                elements.append(
                    InputGitTreeElement(path, "100644" if set(mode) == {"0"} else mode, "blob", sha=None)
                )
            else:
                blob = repo.create_git_blob(base64.b64encode(content).decode(), "base64")
                elements.append(InputGitTreeElement(path, mode, "blob", sha=blob.sha))
        base = repo.get_git_commit(parent)
        tree = repo.create_git_tree(elements, base.tree)
        commit = repo.create_git_commit(message, tree, [base])  # no author: GitHub's identity signs
        _move(repo, branch, commit.sha, lease)
        return str(commit.sha)

    return gh.git_data(create)


def _move(repo: Any, branch: str, sha: str, lease: tuple[str, str | None] | None) -> None:
    try:
        if lease is not None and lease[1] is None:
            repo.create_git_ref(f"refs/heads/{branch}", sha)
            return
        ref = repo.get_git_ref(f"heads/{branch}")
        current = ref.object.sha  # also completes the lazy object: edit() then PATCHes its url
        if lease is not None and current != lease[1]:
            raise PushRejected(f"branch {branch} moved on GitHub (stale info)")
        ref.edit(sha, force=lease is not None)
    except GithubException as exc:
        if exc.status == 422:
            raise PushRejected(f"GitHub refused to move {branch}: {exc.data}") from None
        raise
