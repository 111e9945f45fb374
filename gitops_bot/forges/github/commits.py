"""Commits created through GitHub's Git Data API (``git: signing: {method: github-api}``).

GitHub signs a commit it creates through the API and shows it "Verified", with no key for the
bot to manage (argocd-image-updater's approach). The change is still made and committed in the
local worktree (the diff, the tree and idempotence come from there); that commit is recreated
on GitHub with the same tree (blobs, one tree on top of the base tree, a commit), and the branch
ref is moved to it instead of a ``git push``. The local commit is never pushed.

Leases as in :meth:`GitWorkspace.push`: a branch expected absent is created (422 when it exists);
one expected at a sha is force-moved only if it is still there; with no lease (the base branch)
the update must be a fast-forward. Each refusal is :class:`PushRejected`, so the caller re-applies
its edits on the new base as for a rejected push.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol
from urllib.parse import quote

from gitops_bot.core.errors import ForgeError, ForgeUnavailable, PushRejected
from gitops_bot.git.git import GitWorkspace


class GitData(Protocol):
    """The GitHub connection, as this module uses it (:class:`gitops_bot.forges.github.adapter.GitHub`):
    one call of its REST API, retried and worded as every forge call, and the repository's path."""

    _repo: str

    def request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def push(gh: GitData, ws: GitWorkspace, branch: str, lease: tuple[str, str | None] | None) -> str:
    """Recreate the worktree's HEAD commit on GitHub and move ``branch`` to it; returns its sha."""
    parent, message, changes = ws.head_changes()
    git = f"{gh._repo}/git"
    elements: list[dict[str, Any]] = []
    for path, mode, content in changes:
        if content is None:
            # a deletion: GitHub wants a blob mode with sha null, and refuses git's "000000"
            elements.append(
                {"path": path, "mode": "100644" if set(mode) == {"0"} else mode, "type": "blob", "sha": None}
            )
        else:
            encoded = base64.b64encode(content).decode()
            blob = gh.request("POST", f"{git}/blobs", json={"content": encoded, "encoding": "base64"})
            elements.append({"path": path, "mode": mode, "type": "blob", "sha": _sha(blob)})
    base = gh.request("GET", f"{git}/commits/{parent}")
    tree = gh.request(
        "POST",
        f"{git}/trees",
        json={"base_tree": _sha(base.get("tree") if isinstance(base, dict) else None), "tree": elements},
    )
    # no author: GitHub's own identity signs it
    commit = _sha(
        gh.request(
            "POST", f"{git}/commits", json={"message": message, "tree": _sha(tree), "parents": [parent]}
        )
    )
    _move(gh, git, branch, commit, lease)
    return commit


def _move(gh: GitData, git: str, branch: str, sha: str, lease: tuple[str, str | None] | None) -> None:
    ref = quote(f"heads/{branch}", safe="/")
    try:
        if lease is not None and lease[1] is None:
            gh.request("POST", f"{git}/refs", json={"ref": f"refs/heads/{branch}", "sha": sha})
            return
        found = gh.request("GET", f"{git}/ref/{ref}")
        current = _sha(found.get("object") if isinstance(found, dict) else None)
        if lease is not None and current != lease[1]:
            raise PushRejected(f"branch {branch} moved on GitHub (stale info)")
        gh.request("PATCH", f"{git}/refs/{ref}", json={"sha": sha, "force": lease is not None})
    except ForgeError as exc:
        if exc.status == 422:
            raise PushRejected(f"GitHub refused to move {branch}: {exc}") from None
        raise


def _sha(answer: Any) -> str:
    """The ``sha`` of a Git Data answer (a blob, tree, commit or a ref's object), checked."""
    sha = answer.get("sha") if isinstance(answer, dict) else None
    if not isinstance(sha, str) or len(sha) not in (40, 64) or not all(c in "0123456789abcdef" for c in sha):
        raise ForgeUnavailable(
            "GitHub answered a Git Data call without a commit id", hint="check github.api_url"
        )
    return sha
