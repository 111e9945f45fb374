"""An environment's branch as the one reader reads it: the files of a commit's tree, from git's
objects, under the same root the checkout's files are read at (so the reader's paths and the
reading's file names are the same for every environment, whichever branch holds them).

The tree is listed once (``git ls-tree -r``, at most :data:`MAX_ENTRIES` entries); the blobs are
read in one ``git cat-file --batch`` the first time a file is asked for (those of at most
:data:`MAX_BLOB` bytes, :data:`MAX_TOTAL` in all; a larger file is read as no file and
:meth:`BranchTree.unread` says why, naming it, as the disk's tree says it of the base: the
reading notes it, never "not rendered", which would be the wrong advice). In a partial clone the blobs
the branch's tree lacks are fetched first in one request (:meth:`History.prefetch`). A symbolic
link is resolved within the tree (its target is its blob's text), as the checkout of the branch
would resolve it; one leading out of the tree, or looping, is read as no file and said by name
(one an environment's path names is refused), so nothing outside the tree is ever reached.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import UsageError
from gitops_bot.core.record import record
from gitops_bot.git.gitcli import completed
from gitops_bot.git.gitlog import History

MAX_ENTRIES = 200_000  # a branch's files listed at most
MAX_BLOB = 4 * 1024 * 1024  # bytes of one file read at most
MAX_TOTAL = 256 * 1024 * 1024  # bytes read from one branch at most
_REGULAR = ("100644", "100755")
_LINK = "120000"
MAX_HOPS = 40  # links followed in one path at most (the kernel's own bound)


NOT_TEXT = "not UTF-8 text; what it sets is not read: save it as UTF-8"
NOT_FETCHED = (
    "not in this clone (a partial clone's file git could not fetch); what it sets is not read: "
    "clone the repository without --filter"
)
_READ_NAMES = ("Kustomization", "Chart.lock")  # what the reader reads beside YAML files


def _readable(path: str) -> bool:
    """Whether the reader may read ``path``: a YAML file, or a kustomization or chart lock."""
    return path.endswith((".yaml", ".yml")) or path.rpartition("/")[2] in _READ_NAMES


def over_bound(size: int | None) -> str:
    """Why a file of ``size`` bytes (None: unknown) is not read, and the fix: the words the
    reading notes it with, on the base (the disk's tree) and on an environment's branch alike."""
    mib = f"{size / (1 << 20):.1f} MiB" if size is not None else "its size unknown"
    bound = f"{MAX_BLOB >> 20} MiB"
    return (
        f"{mib}, more than the {bound} the bot reads of a file; what it sets is not read: "
        f"split it into files under {bound}"
    )


def loop(target: str) -> str:
    """Why a symbolic link that never ends (it leads back to itself) is read as no file, and
    the fix: the words the reading notes it with, on the base and on an environment's branch."""
    return (
        f"a symbolic link to {target!r} that leads back to itself (a link loop); nothing is read through "
        "it: point it at a file or directory in the repository, or remove it"
    )


def link_out(target: str) -> str:
    """Why a symbolic link leading out of the repository is read as no file, and the fix."""
    return (
        f"a symbolic link to {target!r}, leading out of the repository; nothing is read through it: make it "
        "a directory in the repository, or remove it"
    )


@record
class Fetched:
    """What a local checkout read of an environment's branch: the ref (``origin/<branch>`` as
    the last fetch left it, else the local branch), the commit it named, and when git last
    brought that commit from the remote (None: git kept no record of it, or a local branch)."""

    branch: str
    ref: str
    commit: str
    at: datetime | None

    @property
    def remote(self) -> bool:
        return self.ref.startswith("refs/remotes/")


def fetched(history: History, branch: str) -> Fetched:
    """:func:`branch_ref` of ``branch``, the commit it names and, for the remote's, when it
    was last fetched: the newest of the ref's reflog (a fetch that moved it), ``FETCH_HEAD``'s
    time when it lists the branch at that commit (a fetch that found it unchanged) and, with
    no reflog, the clone's (a clone writes a remote's branches with none). Read from the files
    git writes, each bounded; none of them there (another ref store): no time."""
    ref = branch_ref(history, branch)
    commit = history.commit_of(ref) or ""
    if not ref.startswith("refs/remotes/"):
        return Fetched(branch, ref, commit, None)
    git_dir, common = history.store.git_dir, history.store.common_dir
    log = common / "logs" / ref
    times = [_reflog_time(log, commit), _fetch_head_time(git_dir, branch, commit)]
    if not log.exists():  # written by the clone, which keeps no reflog of a remote's branches
        times.append(_cloned(common / "logs" / "HEAD"))
    known = [t for t in times if t is not None]
    return Fetched(branch, ref, commit, max(known) if known else None)


def _tail(path: Path, most: int, *, head: bool = False) -> str:
    """The first or last ``most`` bytes of ``path`` as text ("" when it cannot be read)."""
    try:
        with path.open("rb") as f:
            if not head:
                f.seek(max(0, os.fstat(f.fileno()).st_size - most))
            return f.read(most).decode("utf-8", "replace")
    except OSError:
        return ""


def _entry_time(line: str) -> datetime | None:
    """A reflog line's time: ``OLD NEW NAME <EMAIL> SECONDS ZONE<TAB>MESSAGE``."""
    fields = line.partition("\t")[0].rsplit(" ", 2)
    try:
        return datetime.fromtimestamp(int(fields[-2]), UTC) if len(fields) == 3 else None
    except (ValueError, OverflowError, OSError):
        return None


def _reflog_time(log: Path, commit: str) -> datetime | None:
    lines = [ln for ln in _tail(log, 8192).splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    return _entry_time(last) if last.split(" ")[1:2] == [commit] else None


def _fetch_head_time(git_dir: Path, branch: str, commit: str) -> datetime | None:
    path = git_dir / "FETCH_HEAD"
    listed = any(
        ln.startswith(f"{commit}\t") and f"\tbranch '{branch}' of " in ln
        for ln in _tail(path, 1 << 20, head=True).splitlines()
    )
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC) if listed else None
    except OSError:
        return None


def _cloned(log: Path) -> datetime | None:
    first = _tail(log, 4096, head=True).partition("\n")[0]
    return _entry_time(first) if "\tclone: " in first else None


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
        # a path -> the link on it that loops or leads out of the tree, and why it is not read
        self._stuck: dict[str, tuple[str, str]] = {}
        self._out: dict[str, str] = {}  # of those, the paths whose link leads out -> its target
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

    def _real(self, rel: str, path: Path) -> str | None:
        """``rel`` with every link in it resolved within the tree (as the branch checked out
        would resolve it). None: a link on it loops (no file, as git's checkout leaves it) or
        leads out of the tree (nothing outside is read), kept in ``_stuck`` to be said."""
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
            if os.path.isabs(target) or joined == ".." or joined.startswith("../"):
                self._stuck[rel] = (here, link_out(target))
                self._out[rel] = target
                return None
            if hops > MAX_HOPS:  # every hop inside: it never ends
                self._stuck[rel] = (here, loop(target))
                return None
            parts = [p for p in Path(joined).as_posix().split("/") if p and p != "."] + parts
            done = ""
        return done

    def _read_all(self) -> dict[str, str | None]:
        # what the reader reads (YAML, a kustomization, a chart's lock) first, so the branch's
        # other files (images, archives, docs) never take the bound from an environment's own:
        # a file past it blocks that environment's release
        ordered = sorted(self._files.items(), key=lambda kv: not _readable(kv[0]))
        blobs = list(dict.fromkeys(oid for _, (mode, oid) in ordered if mode in _REGULAR))
        self.history.prefetch(self.rev, blobs)  # what checking the branch out would fetch
        sizes = self.history.blob_sizes(blobs)
        wanted, total = [], 0
        for oid in blobs:
            size = sizes.get(oid, MAX_BLOB + 1)
            if oid not in sizes:  # a partial clone's blob git did not fetch: not in the store
                self._skipped[oid] = NOT_FETCHED
            elif size > MAX_BLOB:
                self._skipped[oid] = over_bound(size)
            elif total + size > MAX_TOTAL:
                self._skipped[oid] = (
                    f"past the {MAX_TOTAL >> 20} MiB the bot reads of one branch; what it sets is not read: "
                    "keep the environment's branch to its deployment files"
                )
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
                self._skipped[oid] = NOT_TEXT
        return texts

    def _regular(self, path: Path) -> str | None:
        """``path`` as the tree names it (a link followed) when a regular file is there."""
        rel = self._rel(path)
        if rel is None:
            return None
        rel = self._real(rel, path)
        return rel if rel is not None and rel in self._files and self._files[rel][0] in _REGULAR else None

    def _read(self) -> dict[str, str | None]:
        """The branch's texts, read at the first file asked for; what that reading leaves
        unread is in ``_skipped``."""
        if self._texts is None:
            self._texts = self._read_all()
        return self._texts

    def text(self, path: Path) -> str | None:
        rel = self._regular(path)
        return None if rel is None else self._read().get(rel)

    def unread(self, path: Path) -> tuple[Path, str] | None:
        """A file there and not read (over the bound, a link on it leading out or looping),
        and why: the reading notes it, as the base's."""
        rel = self._regular(path)
        if rel is None:
            stuck = self._stuck.get(self._rel(path) or "")
            return None if stuck is None else (self.root / stuck[0], stuck[1])
        self._read()
        why = self._skipped.get(self._files[rel][1])
        return (path, why) if why is not None else None

    def is_dir(self, path: Path) -> bool:
        rel = self._rel(path)
        return rel is not None and (real := self._real(rel, path)) is not None and real in self._dirs

    def real(self, path: Path) -> Path:
        """``path`` with its links resolved within the tree (itself when it is outside, or loops)."""
        rel = self._rel(path)
        real = self._real(rel, path) if rel is not None else None
        return self.root / real if real is not None else path

    def listing(self, path: Path) -> list[Path]:
        rel = self._rel(path)
        if rel is None:
            return []
        rel = self._real(rel, path)
        if rel is None or rel not in self._dirs:
            return []
        return sorted(path / name for name in self._dirs[rel])

    def check(self, path: Path) -> None:
        rel = self._rel(path)
        if rel is None:
            raise UsageError(
                f"{path} is outside the repository",
                hint="keep every path in gitops-bot.yaml inside the repository",
            )
        # what the environment's path names leads out: the config's to fix, refused by name
        if self._real(rel, path) is None and (target := self._out.get(rel)) is not None:
            here, branch = self._stuck[rel][0], _branch(self.rev)
            raise UsageError(
                f"{here} on {branch}: a symbolic link to {target!r}, leading out of the repository",
                hint="a link in the branch must stay in the repository; nothing was read through it",
            )


def prefix_of(root: Path) -> str:
    """The folder ``root`` is within its clone's top level (``deploy/``), "" at the top or
    outside any clone (a session's worktree is its top level)."""
    if not root.is_dir():
        return ""
    proc = completed(["rev-parse", "--show-prefix"], cwd=str(root))
    return proc.stdout.decode(errors="replace").strip() if proc.returncode == 0 else ""


def _branch(rev: str) -> str:
    return rev.removeprefix("refs/remotes/origin/").removeprefix("refs/heads/")
