"""Reading a store's history: the commits touching some paths (with the blob ids their
changed paths had before), the blobs at a revision, and many blobs at once; in a partial
clone the missing blobs are fetched in one request first. :class:`GitWorkspace
<gitops_bot.git.git.GitWorkspace>` has these methods.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot.core.record import record
from gitops_bot.git.gitcli import Repo, git_input, parse_batch, raw_before, run

# what git itself runs to fetch a partial clone's missing objects, for many objects at once
_PREFETCH = (
    *("-c", "fetch.negotiationAlgorithm=noop", "fetch", "-q", "origin", "--no-tags"),
    *("--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none", "--stdin"),
)


# commits whose blobs a reader of an environment's history reads in its first batch
# (release.ledger reads a batch of 256 commits' states at once)
AHEAD = 256


@record
class Commit:
    """One commit as ``git log`` printed it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    time: str  # ISO 8601, the author date
    message: str
    # each path the commit changed, and its blob id in the
    # first parent (None: the file did not exist there)
    before: tuple[tuple[str, str | None], ...] = ()
    committed: str = ""  # ISO 8601, the committer date: when it landed on its branch


class History:
    """The history-reading half of a workspace (over ``store`` with ``env``)."""

    store: Repo
    env: dict[str, str]
    _missing_blobs: dict[tuple[str, tuple[str, ...]], set[str]]

    def repo_at(self, path: Path) -> Repo | None:
        """The working tree at ``path`` as this workspace already opened it; None when it has
        none there."""
        return None

    def files_at(self, path: Path) -> str | None:
        """The commit the working tree at ``path`` is known to hold exactly, without asking
        git again; None when not known (here never: only a workspace that checked it out knows)."""
        return None

    def log(self, rev: str, paths: Sequence[str]) -> list[Commit]:
        """Commits on ``rev``'s first-parent line that touch ``paths``, newest first, each with
        the blob ids its changed paths had before it (one ``git log``)."""
        fmt = "%x1e%H%x1f%P%x1f%an <%ae>%x1f%aI%x1f%cI%x1f%B%x1d"
        raw = ("--raw", "--no-abbrev", "--no-renames", "--root", "--diff-merges=first-parent")
        out = run(
            self.store,
            "-c",
            "core.quotePath=false",
            "log",
            "--first-parent",
            f"--format={fmt}",
            *raw,
            rev,
            "--",
            *paths,
            env=self.env,
            what="log",
        )
        commits = []
        for entry in out.split("\x1e")[1:]:
            head, _, diff = entry.partition("\x1d")
            sha, parents, author, time, committed, message = head.split("\x1f", 5)
            commits.append(
                Commit(sha, tuple(parents.split()), author, time, message, raw_before(diff), committed)
            )
        return commits

    def blobs_at(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        """path -> blob id of each of ``paths`` that exists at ``rev`` (one ``git ls-tree``)."""
        out = run(self.store, "-c", "core.quotePath=false", "ls-tree", rev, "--", *paths, what="ls-tree")
        found = {}
        for line in out.splitlines():
            meta, _, path = line.partition("\t")
            kind_id = meta.split()
            if len(kind_id) == 3 and kind_id[1] == "blob":
                found[path] = kind_id[2]
        return found

    def read_blobs(
        self, blobs: Sequence[str], rev: str | None = None, paths: Sequence[str] = ()
    ) -> dict[str, bytes]:
        """Many blobs in one ``git cat-file --batch``. In a partial clone the missing ones
        (found among ``rev``'s history of ``paths`` without fetching) are fetched first in one
        request, not lazily one round trip each; with no ``rev`` (blobs the checkout of the
        base fetched already) nothing is looked for."""
        wanted = list(dict.fromkeys(blobs))
        if not wanted:
            return {}
        missing: set[str] = set()
        if rev is not None:
            key = (rev, tuple(paths))
            if key not in self._missing_blobs:
                self._missing_blobs[key] = self._missing(rev, paths)
            missing = self._missing_blobs[key] & set(wanted)
        self._fetch(missing)
        data = git_input(
            ["cat-file", "--batch"], "".join(f"{b}\n" for b in wanted).encode(), cwd=str(self.store.git_dir)
        )
        return parse_batch(data)

    def prefetch(self, rev: str, blobs: Sequence[str]) -> None:
        """In a partial clone, fetch in one request those of ``blobs`` (of ``rev``'s tree) that
        are missing: an environment's own branch is read whole, not a blob a round trip."""
        if not blobs or self.store.config("remote.origin.promisor") != "true":
            return
        out = run(
            self.store,
            "rev-list",
            "--objects",
            "--missing=print",
            "--no-walk",
            f"{rev}^{{tree}}",
            what="rev-list",
        )
        self._fetch({line[1:] for line in out.splitlines() if line.startswith("?")} & set(blobs))

    def _fetch(self, missing: set[str]) -> None:
        """Fetch the ``missing`` blobs of a partial clone in one request (none: no request)."""
        if missing:
            git_input(
                list(_PREFETCH),
                "".join(f"{b}\n" for b in sorted(missing)).encode(),
                cwd=str(self.store.git_dir),
                env=self.env,
                what="fetch",
            )

    def blob_sizes(self, blobs: Sequence[str]) -> dict[str, int]:
        """The size of each of ``blobs`` present (one ``git cat-file --batch-check``)."""
        if not blobs:
            return {}
        out = git_input(
            ["cat-file", "--batch-check"],
            "".join(f"{b}\n" for b in blobs).encode(),
            cwd=str(self.store.git_dir),
        )
        sizes = {}
        for line in out.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
                sizes[parts[0]] = int(parts[2])
        return sizes

    def _missing(self, rev: str, paths: Sequence[str]) -> set[str]:
        out = run(
            self.store,
            "rev-list",
            "--objects",
            "--missing=print",
            "--first-parent",
            rev,
            "--",
            *paths,
            what="rev-list",
        )
        return {line[1:] for line in out.splitlines() if line.startswith("?")}

    def is_commit(self, ref: str) -> bool:
        """Whether ``ref`` names a commit in the store."""
        return self.commit_of(ref) is not None

    def commit_of(self, ref: str) -> str | None:
        """The commit ``ref`` names (its full id); None when it names none in the store."""
        return self.store.ok("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None

    def mentions(self, rev: str, path: str, text: str) -> bool:
        """Whether any version of ``path`` on ``rev``'s history held ``text`` (git's pickaxe:
        a commit that added or removed it)."""
        out = run(self.store, "log", "--format=%H", "-S", text, rev, "--", path, env=self.env, what="log")
        return bool(out.strip())

    def committed_by(self, rev: str) -> tuple[str, int]:
        """Who committed ``rev`` (``name <email>``: not its author, which ``git commit -C``
        copies from another commit) and how many parents it has."""
        out = run(self.store, "log", "-1", "--format=%cn <%ce>%x1f%P", rev, env=self.env, what="log")
        committer, _, parents = out.strip().partition("\x1f")
        return committer, len(parents.split())

    def messages(self, rev_range: str) -> list[str]:
        """The messages of the commits in ``a..b`` (what a merge commit brought in), newest first."""
        out = run(self.store, "log", "-z", "--format=%B", rev_range, env=self.env, what="log")
        return [m for m in out.split("\0") if m.strip()]

    def messages_of(self, commits: Sequence[str]) -> dict[str, str]:
        """The message of each of ``commits`` (full ids), in one ``git log --no-walk``."""
        if not commits:
            return {}
        fmt = "--format=%x1e%H%x1f%B"
        out = run(self.store, "log", "--no-walk=unsorted", fmt, *commits, env=self.env, what="log")
        pairs = (entry.split("\x1f", 1) for entry in out.split("\x1e")[1:])
        return {sha: message for sha, message in pairs}


class Checkout(History):
    """The history of a local clone (``plan`` reads a working tree, not a fetched remote), as
    one run sees it: nothing in a plan moves the checkout's refs, so each question (an
    environment's log, the blob ids at a revision, the blobs a partial clone lacks) is asked of
    git once a run and its answer kept. Each git process is a few milliseconds of every run's
    fixed cost, and the same history used to be read by each rule that wanted it.

    :meth:`expect` names the paths of every environment a command will read at one revision:
    the first question about any of them then reads them all in one ``git log``, one
    ``ls-tree`` and one ``rev-list``, and each environment's answer is cut from that (a
    command reading one environment names none, and reads that one's alone).

    What is kept is of revisions that stay put while it is used: the checkout's HEAD (no run
    moves the working tree), and any ref while ``steady()`` holds (a plan: nothing fetches; a
    session fetches and pushes into the same repository, and its refs are read anew)."""

    def __init__(
        self,
        path: Path,
        steady: Callable[[], bool] = lambda: False,
        store: Repo | None = None,
        owner: History | None = None,
    ) -> None:
        self.store = store or Repo(path)  # ``store``: the working tree at ``path``, already opened
        self._steady = steady
        self._owner = owner  # a session's workspace: its credentials, whenever they are set
        self.env = {}
        self._missing_blobs = {}
        self._lock = threading.Lock()
        self._expected: dict[str, tuple[str, ...]] = {}  # rev -> every path the run will ask
        self._logs: dict[tuple[str, tuple[str, ...]], list[Commit]] = {}
        self._blobs: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
        self._absent: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._ahead: set[str] = set()  # revs whose expected paths' first blobs were read
        self._refs: dict[str, str | None] = {}  # ref -> the commit it names (None: none)
        self._read: dict[str, bytes] = {}  # blob -> its bytes (an id names the same bytes forever)

    @property
    def env(self) -> dict[str, str]:
        """git's environment for the remote (a partial clone's missing blobs): the owning
        workspace's as it is now (a session sets its token once the forge is connected)."""
        return self._owner.env if self._owner is not None else self._env

    @env.setter
    def env(self, value: dict[str, str]) -> None:
        self._env = value

    def _rev(self, rev: str) -> str:
        """``HEAD`` as the commit it names where its file names one (a session's worktree,
        detached): what is kept of it is kept by that commit, which no later commit or reset
        of the worktree changes, and a question asked by the commit's id (the base's history,
        read where a person's changes were) shares the answer."""
        if rev != "HEAD":
            return rev
        try:
            head = (self.store.git_dir / "HEAD").read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return rev
        return head if _commit_id(head) else rev

    @classmethod
    def steady(cls, history: History) -> Checkout:
        """``history``'s store (with its credentials, for a partial clone's missing blobs) read
        as a checkout whose every ref stays put: for a span of a session that neither fetches
        nor pushes, in which several environments' histories are read together, once."""
        view = cls(history.store.path, steady=lambda: True, store=history.store)
        view.env = history.env
        return view

    def expect(self, rev: str, paths: Sequence[str]) -> None:
        """The run will ask about ``paths`` (plain file paths) at ``rev``, in several questions."""
        rev = self._rev(rev)
        with self._lock:
            if all(_plain(p) for p in paths):
                self._expected[rev] = tuple(dict.fromkeys([*self._expected.get(rev, ()), *paths]))

    def _kept(self, rev: str) -> bool:
        return rev == "HEAD" or _commit_id(rev) or self._steady()

    def _whole(self, rev: str, paths: Sequence[str]) -> tuple[str, ...] | None:
        """The expected paths at ``rev`` when they hold all of ``paths`` (None: ask alone)."""
        every = self._expected.get(rev) if self._kept(rev) else None
        if every is None or not paths or not set(paths) <= set(every):
            return None
        return every

    def log(self, rev: str, paths: Sequence[str]) -> list[Commit]:
        rev = self._rev(rev)
        if not self._kept(rev):
            return super().log(rev, paths)
        key = (rev, tuple(paths))
        with self._lock:
            if key not in self._logs:
                every = self._whole(rev, paths)
                if every is None:
                    self._logs[key] = super().log(rev, paths)
                else:
                    whole = self._logs.get((rev, every))
                    if whole is None:
                        whole = self._logs[(rev, every)] = super().log(rev, every)
                    self._logs[key] = _cut(whole, set(paths))
            return self._logs[key]

    def blobs_at(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        rev = self._rev(rev)
        if not self._kept(rev):
            return super().blobs_at(rev, paths)
        key = (rev, tuple(paths))
        with self._lock:
            if key not in self._blobs:
                every = self._whole(rev, paths)
                if every is None:
                    self._blobs[key] = super().blobs_at(rev, paths)
                else:
                    whole = self._blobs.get((rev, every))
                    if whole is None:
                        whole = self._blobs[(rev, every)] = super().blobs_at(rev, every)
                    self._blobs[key] = {p: b for p, b in whole.items() if p in set(paths)}
            return dict(self._blobs[key])

    def read_blobs(
        self, blobs: Sequence[str], rev: str | None = None, paths: Sequence[str] = ()
    ) -> dict[str, bytes]:
        # a second reader of the same history (the automatic rules after the holds) reads
        # no blob twice
        rev = self._rev(rev) if rev is not None else None
        with self._lock:
            kept = {b: self._read[b] for b in blobs if b in self._read}
            every = self._whole(rev, paths) if rev is not None else None
            first = every is not None and rev not in self._ahead
            if first:
                self._ahead.add(rev)  # type: ignore[arg-type]
        todo = [b for b in blobs if b not in kept]
        if todo and every is not None and rev is not None:
            if first:  # the other expected environments' first blobs too, in the same read
                todo = list(dict.fromkeys([*todo, *self._first_blobs(rev, every)]))
            paths = every
        got = super().read_blobs(todo, rev, paths) if todo else {}
        with self._lock:
            self._read.update(got)
        return {**kept, **{b: got[b] for b in blobs if b in got}}

    def _first_blobs(self, rev: str, every: Sequence[str]) -> list[str]:
        """The blobs of ``every`` path at ``rev`` and before each of the first :data:`AHEAD`
        commits of their log, not read yet: what the readers of each of their histories read
        first (an environment's first commits are among the first of them all), in one read."""
        ids = [*self.blobs_at(rev, every).values()]
        ids += [b for c in self.log(rev, every)[:AHEAD] for _, b in c.before if b is not None]
        with self._lock:
            return [b for b in dict.fromkeys(ids) if b not in self._read]

    def commit_of(self, ref: str) -> str | None:
        ref = self._rev(ref)
        # an environment's own branch is looked up by its tree, its head, its log and the
        # plan's note of what was read alike
        if not self._kept(ref):
            return super().commit_of(ref)
        with self._lock:
            if ref not in self._refs:
                self._refs[ref] = super().commit_of(ref)
            return self._refs[ref]

    def _missing(self, rev: str, paths: Sequence[str]) -> set[str]:
        rev = self._rev(rev)
        # a blob missing from the history of all the expected paths is missing from any of
        # theirs; read_blobs keeps only those it wants
        if not self._kept(rev):
            return super()._missing(rev, paths)
        with self._lock:
            every = self._whole(rev, paths) or tuple(paths)
            key = (rev, every)
            if key not in self._absent:
                self._absent[key] = super()._missing(rev, every)
            return self._absent[key]


def _commit_id(rev: str) -> bool:
    """``rev`` is a full object id (SHA-1 or SHA-256): it names the same commit forever."""
    return len(rev) in (40, 64) and all(c in "0123456789abcdef" for c in rev)


def _plain(path: str) -> bool:
    """A path git matches as itself: no glob, no magic, no directory, inside the repository."""
    return (
        bool(path)
        and path not in (".", "..")
        and not path.startswith(("../", ":", "/"))
        and not (path.endswith("/") or any(c in path for c in "*?[\\"))
    )


def _cut(commits: Sequence[Commit], paths: set[str]) -> list[Commit]:
    """Of a log of several paths, the commits that changed any of ``paths``, each with only
    those paths' changes: what ``git log --first-parent --raw -- PATHS`` prints (a commit is
    listed when it differs from its first parent in those paths, and ``--raw`` lists each path
    that does)."""
    out = []
    for c in commits:
        mine = tuple((p, b) for p, b in c.before if p in paths)
        if mine:
            out.append(replace(c, before=mine))
    return out
