"""An environment's branch as the one reader reads it: the files of a commit's tree, from git's
objects, under the same root the checkout's files are read at (so the reader's paths and the
reading's file names are the same for every environment, whichever branch holds them).

The tree is listed once (``git ls-tree -r``, at most :data:`MAX_ENTRIES` entries); the blobs are
read in one ``git cat-file --batch`` the first time a file is asked for (those of at most
:data:`MAX_BLOB` bytes, :data:`MAX_TOTAL` in all; a larger file asked for is refused by name,
never read as no file: "not rendered" would be the wrong advice). In a partial clone the blobs
the branch's tree lacks are fetched first in one request (:meth:`History.prefetch`). A symbolic
link is resolved within the tree (its target is its blob's text), as the checkout of the branch
would resolve it; one leading out of the tree is refused by name, so nothing outside the tree is
ever reached.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import UsageError
from gitops_bot.git.gitcli import completed
from gitops_bot.git.gitlog import History

MAX_ENTRIES = 200_000  # a branch's files listed at most
MAX_BLOB = 4 * 1024 * 1024  # bytes of one file read at most
MAX_TOTAL = 256 * 1024 * 1024  # bytes read from one branch at most
_REGULAR = ("100644", "100755")
_LINK = "120000"
MAX_HOPS = 40  # links followed in one path at most (the kernel's own bound)


def branch_ref(history: History, branch: str) -> str:
    """The commit ``branch`` names for reading: the remote's (``origin/<branch>``, as the last
    fetch brought it), else a local branch of that name (a checkout never fetched from)."""
    for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
        if history.is_commit(ref):
            return ref
    raise UsageError(
        f"branch {branch!r} is not in the repository (neither origin/{branch} nor {branch})",
        hint=f"check the environment's 'branch:' in gitops-bot.yaml, or fetch it: git fetch origin {branch}",
    )


class BranchTree:
    """The reader's :class:`~gitops_bot.render.walk.Tree` over the commit ``rev`` names, its
    paths under ``root`` (the checkout's root: when that is a folder of the clone, ``--repo``
    a subdirectory, the tree's files under that folder)."""

    def __init__(self, history: History, rev: str, root: Path) -> None:
        self.history = history
        self.rev = rev
        self.root = root
        self._files: dict[str, tuple[str, str]] = {}  # path -> (mode, blob)
        self._dirs: dict[str, list[str]] = {"": []}  # directory -> its entries' names
        self._texts: dict[str, str | None] | None = None
        self._skipped: dict[str, str] = {}  # blob -> why it was not read
        self._targets: dict[str, str] | None = None  # each link -> its target, as written
        self._prefix = prefix_of(root)
        self._has_links = False
        self._list()

    def _list(self) -> None:
        # no sizes asked (-l): in a partial clone they would fetch every blob, one by one
        out = self.history.store.raw("ls-tree", "-r", "-t", "-z", "--full-tree", self.rev)
        entries = [e for e in out.split(b"\0") if e]
        if len(entries) > MAX_ENTRIES:
            raise UsageError(
                f"{self.rev} holds more than {MAX_ENTRIES} files and directories, more than the bot reads",
                hint="keep the environment's branch to its deployment files",
            )
        for entry in entries:
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            path = raw_path.decode("utf-8", "surrogateescape")
            if self._prefix:  # paths from the top level: those under the checkout's root, from it
                if not path.startswith(self._prefix):
                    continue
                path = path[len(self._prefix) :]
            parent = PurePosixPath(path).parent.as_posix()
            self._dirs.setdefault("" if parent == "." else parent, []).append(PurePosixPath(path).name)
            if kind == "tree":
                self._dirs.setdefault(path, [])
            elif kind == "blob":
                self._files[path] = (mode, oid)
                self._has_links = self._has_links or mode == _LINK

    def _rel(self, path: Path) -> str | None:
        """``path`` as a path in the tree; None when it is outside it."""
        rel = Path(os.path.normpath(os.path.relpath(path, self.root))).as_posix()
        if rel == ".":
            return ""
        return None if rel == ".." or rel.startswith("../") else rel

    def _links(self) -> dict[str, str]:
        if self._targets is None:
            links = {p: oid for p, (mode, oid) in self._files.items() if mode == _LINK}
            data = self.history.read_blobs(list(dict.fromkeys(links.values()))) if links else {}
            self._targets = {
                p: data.get(oid, b"").decode("utf-8", "surrogateescape") for p, oid in links.items()
            }
        return self._targets

    def _real(self, rel: str, path: Path) -> str:
        """``rel`` with every link in it resolved within the tree (as the branch checked out
        would resolve it); a link leading out of the tree is refused, naming ``path``."""
        if not self._has_links:
            return rel
        links = self._links()
        # component by component: a link anywhere in the path (a linked directory) resolves too
        parts, done, hops = [p for p in rel.split("/") if p], "", 0
        while parts:
            part = parts.pop(0)
            here = f"{done}/{part}" if done else part
            target = links.get(here)
            if target is None:
                done = here
                continue
            hops += 1
            joined = os.path.normpath(os.path.join(done or ".", target))
            if hops > MAX_HOPS or os.path.isabs(target) or joined == ".." or joined.startswith("../"):
                raise UsageError(
                    f"{here} on {_branch(self.rev)}: a symbolic link to {target!r}, outside the repository",
                    hint="a link in the branch must stay in the repository; nothing was read through it",
                )
            parts = [p for p in Path(joined).as_posix().split("/") if p and p != "."] + parts
            done = ""
        return done

    def _read_all(self) -> dict[str, str | None]:
        blobs = list(dict.fromkeys(oid for mode, oid in self._files.values() if mode in _REGULAR))
        self.history.prefetch(self.rev, blobs)  # what checking the branch out would fetch
        sizes = self.history.blob_sizes(blobs)
        wanted, total = [], 0
        for oid in blobs:
            size = sizes.get(oid, MAX_BLOB + 1)
            if size > MAX_BLOB:
                mib = f"{size / (1 << 20):.1f} MiB" if oid in sizes else "its size unknown"
                self._skipped[oid] = f"{mib}, more than the {MAX_BLOB >> 20} MiB the bot reads of a file"
            elif total + size > MAX_TOTAL:
                self._skipped[oid] = f"past the {MAX_TOTAL >> 20} MiB the bot reads of one branch"
            else:
                wanted.append(oid)
                total += size
        data = self.history.read_blobs(wanted)
        texts: dict[str, str | None] = {}
        for path, (_, oid) in self._files.items():
            blob = data.get(oid)
            try:
                texts[path] = blob.decode("utf-8") if blob is not None else None
            except UnicodeDecodeError:
                texts[path] = None
        return texts

    def text(self, path: Path) -> str | None:
        rel = self._rel(path)
        if rel is None:
            return None
        rel = self._real(rel, path)
        if rel not in self._files or self._files[rel][0] not in _REGULAR:
            return None
        if self._texts is None:
            self._texts = self._read_all()
        why = self._skipped.get(self._files[rel][1])
        if why is not None:  # there, and not read: said, never "not rendered"
            raise UsageError(
                f"{rel} on {_branch(self.rev)}: {why}; what it sets is not read",
                hint="keep the environment's deployment files under the bound (split a large file)",
            )
        return self._texts.get(rel)

    def is_dir(self, path: Path) -> bool:
        rel = self._rel(path)
        return rel is not None and self._real(rel, path) in self._dirs

    def listing(self, path: Path) -> list[Path]:
        rel = self._rel(path)
        if rel is None:
            return []
        rel = self._real(rel, path)
        if rel not in self._dirs:
            return []
        return sorted(path / name for name in self._dirs[rel])

    def check(self, path: Path) -> None:
        rel = self._rel(path)
        if rel is None:
            raise UsageError(
                f"{path} is outside the repository",
                hint="keep every path in gitops-bot.yaml inside the repository",
            )
        self._real(rel, path)


def prefix_of(root: Path) -> str:
    """The folder ``root`` is within its clone's top level (``deploy/``), "" at the top or
    outside any clone (a session's worktree is its top level)."""
    if not root.is_dir():
        return ""
    proc = completed(["rev-parse", "--show-prefix"], cwd=str(root))
    return proc.stdout.decode(errors="replace").strip() if proc.returncode == 0 else ""


def _branch(rev: str) -> str:
    return rev.removeprefix("refs/remotes/origin/").removeprefix("refs/heads/")
