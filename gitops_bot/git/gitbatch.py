"""Git work for many releases at once: read every bot branch's tip and tree in one command,
write the new objects without a worktree, commit with ``git commit-tree``, and push every
branch in one ``git push`` with a lease per branch.

This is the steady-state path of ``update`` on a repository with many environments (issue 17):
a release whose computed tree (:mod:`gitops_bot.git.trees`) equals its branch's tree costs no
git command at all, and the rest cost one ``commit-tree`` each and a share of one push.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path

from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.record import record
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitcli import completed, failure
from gitops_bot.git.race import RACE
from gitops_bot.git.trees import BaseTree, GitObject

log = get_logger(__name__)
PUSH_CHUNK = 400  # refspecs per push command: ~100 bytes of arguments each, far below ARG_MAX


@record
class Tip:
    sha: str
    tree: str


@record
class RefUpdate:
    """Move ``branch`` to ``new`` if it is still at ``expected`` (None: it must not exist)."""

    branch: str
    new: str
    expected: str | None


@record(frozen=False, slots=False)
class PushResult:
    pushed: set[str] = field(default_factory=set)
    raced: set[str] = field(default_factory=set)  # another push moved the branch first
    failed: dict[str, str] = field(default_factory=dict)  # branch -> the remote's reason


def tips(ws: GitWorkspace, prefix: str) -> dict[str, Tip]:
    """Branch name -> tip of every fetched ``prefix/...`` branch (one ``git for-each-ref``)."""
    root = "refs/remotes/origin/"
    found = {}
    for ref, (sha, tree) in ws.remote_refs().items():
        # a branch always points at a commit (one with a tree); anything else is not ours to compare
        if ref.startswith(f"{root}{prefix}/") and tree:
            found[ref.removeprefix(root)] = Tip(sha, tree)
    return found


def base_tree(ws: GitWorkspace, known: BaseTree | None = None) -> tuple[str, BaseTree]:
    """The remote base's commit and its whole tree, read once (``git ls-tree -r -t``);
    ``known``: a tree read before, taken again when the base's tree is still that one."""
    commit, tree = ws.remote_refs().get(ws.base_ref, ("", ""))
    if not tree:
        commit, tree = _git(ws, ["rev-parse", ws.base_ref, f"{ws.base_ref}^{{tree}}"]).decode().split()
    if known is not None and known.oid == tree:
        return commit, known
    return commit, BaseTree.parse(tree, _git(ws, ["ls-tree", "-r", "-t", "-z", "--full-tree", tree]))


def can_write_objects(ws: GitWorkspace) -> bool:
    """Loose objects are written here only in a SHA-1 repository (the default everywhere)."""
    return (ws.store.config("extensions.objectformat") or "sha1").lower() == "sha1"


def write_objects(ws: GitWorkspace, objects: Iterable[GitObject]) -> None:
    """Write each object the store lacks as a loose object, as git does: zlib-compressed
    ``<type> <size>\\0<content>`` at ``objects/xx/yyyy``, through a temporary file and a rename,
    read-only. No process is started; a later ``git gc`` packs them as any other."""
    store = Path(ws.store.common_dir) / "objects"
    for obj in objects:
        oid = obj.oid
        path = store / oid[:2] / oid[2:]
        if path.exists():
            continue
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="tmp_obj_")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(zlib.compress(b"%s %d\0" % (obj.kind.encode(), len(obj.data)) + obj.data))
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def commit_tree(ws: GitWorkspace, tree: str, parent: str, message: str, *, name: str, email: str) -> str:
    """A commit of ``tree`` on ``parent``, as ``git commit -F`` would make it from the same
    worktree: the message cleaned up the same way, signed when ``ws.commit_env`` says so."""
    ident = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    sign = "--gpg-sign" if ws.commit_env else "--no-gpg-sign"
    data = stripspace(redact(message)).encode()
    out = _git(ws, ["commit-tree", sign, tree, "-p", parent, "-F", "-"], data, {**ident, **ws.commit_env})
    return out.decode().strip()


def stripspace(message: str) -> str:
    """What ``git commit``'s default clean-up (``whitespace``) makes of a message: trailing
    blanks cut, runs of empty lines made one, none at either end, a final newline."""
    lines: list[str] = []
    for line in message.split("\n"):
        line = line.rstrip(" \t\r\v\f")
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "".join(f"{line}\n" for line in lines)


def push(ws: GitWorkspace, updates: Sequence[RefUpdate]) -> PushResult:
    """Push every update with its own ``--force-with-lease``, in as few ``git push`` commands
    as the argument length allows. Not atomic: each branch is one release, and one moved by
    another bot must not hold the others back; the caller retries what ``raced``."""
    result = PushResult()
    for start in range(0, len(updates), PUSH_CHUNK):
        _push_chunk(ws, updates[start : start + PUSH_CHUNK], result)
    return result


def _push_chunk(ws: GitWorkspace, updates: Sequence[RefUpdate], result: PushResult) -> None:
    args = ["push", "--porcelain"]
    args += [f"--force-with-lease=refs/heads/{u.branch}:{u.expected or ''}" for u in updates]
    args += ["origin", *(f"{u.new}:refs/heads/{u.branch}" for u in updates)]
    ws.refs_moved()
    proc = _git_proc(ws, args, env=ws.env)
    seen = set()
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        flag, _, rest = line.partition("\t")
        ref, _, summary = rest.partition("\t")
        branch = ref.rpartition(":refs/heads/")[2]
        if len(flag) != 1 or not branch:
            continue
        seen.add(branch)
        if flag != "!":
            result.pushed.add(branch)
        elif RACE.search(summary):
            result.raced.add(branch)
        else:
            result.failed[branch] = redact(summary)
    if proc.returncode != 0 and not seen:  # the remote never answered per branch: auth, network
        raise failure("push", (proc.stderr + proc.stdout).decode(errors="replace"), proc.returncode)
    for u in updates:
        if u.branch not in seen:
            result.failed[u.branch] = "git push did not report this branch"
    log.debug("pushed", pushed=len(result.pushed), raced=len(result.raced), failed=len(result.failed))


def _git(
    ws: GitWorkspace, args: list[str], data: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    proc = _git_proc(ws, args, data, env)
    if proc.returncode != 0:
        raise failure(args[0], (proc.stderr + proc.stdout).decode(errors="replace"), proc.returncode)
    return proc.stdout


def _git_proc(
    ws: GitWorkspace, args: list[str], data: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return completed(args, data, cwd=str(ws.store.git_dir), env=env)
