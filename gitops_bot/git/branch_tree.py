"""An environment's branch as the one reader reads it: the files of a commit's tree, from git's
objects, under the same root the checkout's files are read at (so the reader's paths and the
reading's file names are the same for every environment, whichever branch holds them).

The tree is listed once (``git ls-tree -r``, at most :data:`MAX_ENTRIES` entries); the blobs are
read in one ``git cat-file --batch`` the first time a file is asked for (those of at most
:data:`MAX_BLOB` bytes, :data:`MAX_TOTAL` in all; a larger file reads as no file, as the reader
bounds its own reads). In a partial clone the blobs the branch's tree lacks are fetched first in
one request (:meth:`History.prefetch`). Symbolic links are not followed: a link reads as no
file, so nothing outside the tree is ever reached.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import UsageError
from gitops_bot.git.gitlog import History

MAX_ENTRIES = 200_000  # a branch's files listed at most
MAX_BLOB = 4 * 1024 * 1024  # bytes of one file read at most
MAX_TOTAL = 256 * 1024 * 1024  # bytes read from one branch at most
_REGULAR = ("100644", "100755")


def branch_ref(history: History, branch: str) -> str:
    """The commit ``branch`` names for reading: the remote's (``origin/<branch>``, as the last
    fetch brought it), else a local branch of that name (a checkout never fetched from)."""
    for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
        if history.store.ok("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is not None:
            return ref
    raise UsageError(
        f"branch {branch!r} is not in the repository (neither origin/{branch} nor {branch})",
        hint=f"check the environment's 'branch:' in gitops-bot.yaml, or fetch it: git fetch origin {branch}",
    )


class BranchTree:
    """The reader's :class:`~gitops_bot.render.walk.Tree` over the commit ``rev`` names, its
    paths under ``root``."""

    def __init__(self, history: History, rev: str, root: Path) -> None:
        self.history = history
        self.rev = rev
        self.root = root
        self._files: dict[str, tuple[str, str]] = {}  # path -> (mode, blob)
        self._dirs: dict[str, list[str]] = {"": []}  # directory -> its entries' names
        self._texts: dict[str, str | None] | None = None
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
            parent = PurePosixPath(path).parent.as_posix()
            self._dirs.setdefault("" if parent == "." else parent, []).append(PurePosixPath(path).name)
            if kind == "tree":
                self._dirs.setdefault(path, [])
            elif kind == "blob":
                self._files[path] = (mode, oid)

    def _rel(self, path: Path) -> str | None:
        """``path`` as a path in the tree; None when it is outside it."""
        rel = Path(os.path.normpath(os.path.relpath(path, self.root))).as_posix()
        if rel == ".":
            return ""
        return None if rel == ".." or rel.startswith("../") else rel

    def _read_all(self) -> dict[str, str | None]:
        blobs = list(dict.fromkeys(oid for mode, oid in self._files.values() if mode in _REGULAR))
        self.history.prefetch(self.rev, blobs)  # what checking the branch out would fetch
        sizes = self.history.blob_sizes(blobs)
        wanted, total = [], 0
        for oid in blobs:
            size = sizes.get(oid, MAX_BLOB + 1)
            if size <= MAX_BLOB and total + size <= MAX_TOTAL:
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
        if rel is None or rel not in self._files:
            return None
        if self._texts is None:
            self._texts = self._read_all()
        return self._texts.get(rel)

    def is_dir(self, path: Path) -> bool:
        rel = self._rel(path)
        return rel is not None and rel in self._dirs

    def listing(self, path: Path) -> list[Path]:
        rel = self._rel(path)
        if rel is None or rel not in self._dirs:
            return []
        return sorted(path / name for name in self._dirs[rel])

    def check(self, path: Path) -> None:
        if self._rel(path) is None:
            raise UsageError(
                f"{path} is outside the repository",
                hint="keep every path in gitops-bot.yaml inside the repository",
            )
