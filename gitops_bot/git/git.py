"""The git side of write-back (the git CLI, through :mod:`gitops_bot.git.gitcli`'s one runner).

Shape: a *store* repository holds the objects: the user's own checkout when ``--repo`` is a
path, or a cached partial clone (``--filter=blob:none``) when it is a URL, reused by later runs
so the steady state is one fetch (:mod:`gitops_bot.git.store`). Every change is made in a
throwaway linked worktree, detached at the remote base, so a user's working tree and branches
are never touched.

Credentials: a token is handed to git per command (:func:`gitops_bot.git.gitcli.auth_env`);
it never lands in ``.git/config``, a remote URL, a log line or an error message.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gitops_bot.core import privdir
from gitops_bot.core.errors import GitError, PushRejected, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.secret import Secret
from gitops_bot.git.gitcli import KeptByContent, Repo, auth_env, is_url, run
from gitops_bot.git.gitlog import History
from gitops_bot.git.race import RACE
from gitops_bot.git.store import WT_LOCK, WT_PREFIX, cached_store, local_store, prune_worktrees

log = get_logger(__name__)
# The remote-tracking refs' listing of a store (its common directory), kept by what the files
# git reads them from hold: the same bytes name the same objects, and a commit's tree never
# changes, so ``for-each-ref`` would list the same. One entry a store, the least recently used
# forgotten past KEPT_REFS; a listing is never held past its files changing.
KEPT_REFS = 256
_kept_refs: KeptByContent[dict[str, tuple[str, str]]] = KeptByContent(KEPT_REFS)
# A user part in an http(s) URL is a password or token in the clear; ssh's "git@" is not.
_CREDENTIALS_IN_URL = re.compile(r"^https?://[^/@]+@", re.IGNORECASE)


class GitWorkspace(History):
    def __init__(
        self,
        store: Repo,
        url: str,
        env: dict[str, str],
        lock: int | None = None,
        kept: Path | None = None,
    ) -> None:
        self.store = store
        self._kept = kept  # a cached clone's worktree, kept between runs
        self.url = url
        self.env = env
        self.base = ""
        # the environments' own branches (``branch:``): fetched with the base, read and
        # released into like it
        self.branches: tuple[str, ...] = ()
        self.worktree: Path | None = None
        self._wt: Repo | None = None
        self._lock = lock
        prune_worktrees(store, exclusive=lock is not None)
        self.commit_env: dict[str, str] = {}  # signing config for 'git commit' only (trust.signing)
        self._missing_blobs: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._refs: dict[str, tuple[str, str]] | None = None  # see remote_refs
        self._shown_at: str | None = None  # see files_at

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        repo: str,
        *,
        cache_dir: Path,
        token: Secret | None = None,
        user: str = "x-access-token",
        store: Repo | None = None,
    ) -> GitWorkspace:
        """The workspace of ``repo``, a URL or a local clone (``store``: that clone, opened)."""
        if _CREDENTIALS_IN_URL.match(repo):
            raise UsageError(
                "the repository URL carries credentials",
                hint="pass the token in GITHUB_TOKEN instead; it is never written to disk",
            )
        if not is_url(repo):
            store = store or local_store(repo)
            url = store.origin_url() or ""
            return cls(store, url, auth_env(url, token, user))
        env = auth_env(repo, token, user)
        store, lock, kept = cached_store(repo, cache_dir, env)
        try:
            return cls(store, repo, env, lock, kept=kept)
        except BaseException:
            os.close(lock)
            raise

    # -- remote ----------------------------------------------------------------------

    def _listed(self, base: str | None, own: Sequence[str], prefix: str) -> str:
        """What the remote's ``ls-remote`` says of HEAD (when no base is named), the base, the
        environments' own branches and the bot's."""
        heads = [f"refs/heads/{b}" for b in (base, *own) if b]
        wanted = ("HEAD",) if base is None else ()
        return run(
            self.store,
            "ls-remote",
            "--symref",
            "origin",
            *wanted,
            *heads,
            f"refs/heads/{prefix}/*",
            env=self.env,
            what="ls-remote",
        )

    @staticmethod
    def _default(listed: str) -> str:
        m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD$", listed, re.MULTILINE)
        if not m:
            raise GitError("cannot tell the remote's default branch", hint="set git.base in gitops-bot.yaml")
        return m.group(1)

    def _fetched(self, listed: str, base: str, own: Sequence[str], prefix: str) -> bool:
        """Every branch a fetch would take is where the last fetch left it, and no bot's branch
        came or went: the fetch would change nothing (what a watch's cycle over an unchanged
        repository finds, every cycle)."""
        remote: dict[str, str] = {}
        for line in listed.splitlines():
            sha, _, ref = line.partition("\t")
            if not sha.startswith("ref: "):
                remote[ref] = sha
        if "refs/heads/" + base not in remote and "HEAD" in remote:
            remote["refs/heads/" + base] = remote["HEAD"]  # the default branch, asked as HEAD
        local = {ref: sha for ref, (sha, _) in self.remote_refs().items()}
        for b in (base, *own):
            if remote.get(f"refs/heads/{b}", "") != local.get(f"refs/remotes/origin/{b}", "-"):
                return False
        bots = {
            r.removeprefix("refs/heads/"): sha
            for r, sha in remote.items()
            if r.startswith(f"refs/heads/{prefix}/")
        }
        mine = {
            r.removeprefix("refs/remotes/origin/"): sha
            for r, sha in local.items()
            if r.startswith(f"refs/remotes/origin/{prefix}/")
        }
        return bots == mine

    def fetch(self, base: str | None, prefix: str) -> str:
        """Fetch the base branch, the environments' own branches and the bot's branches;
        returns the base branch name. In the cache's clone, the remote's branches are listed
        first: when none moved since the last fetch, there is nothing to fetch. A person's own
        checkout is fetched as always (its ``FETCH_HEAD`` says when it last was)."""
        listed: str | None = None
        if base is None:
            listed = self._listed(None, self.branches, prefix)
            base = self._default(listed)
        elif self._kept is not None:
            try:
                listed = self._listed(base, self.branches, prefix)
            except GitError:
                listed = None  # the fetch says what is wrong, as it always did
        self.base = base
        own = [b for b in self.branches if b != self.base]
        if listed is not None and self._kept is not None and self._fetched(listed, self.base, own, prefix):
            return self.base
        self._refs = None
        try:
            run(
                self.store,
                "fetch",
                "--prune",
                "--no-tags",
                "origin",
                *(f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in (self.base, *own)),
                f"+refs/heads/{prefix}/*:refs/remotes/origin/{prefix}/*",
                env=self.env,
                what="fetch",
            )
        except GitError as exc:  # the remote answered: a branch is not there (a typo, not the network)
            gone = next(
                (
                    b
                    for b in (self.base, *own)
                    if f"couldn't find remote ref refs/heads/{b}\n" in exc.detail + "\n"
                ),
                None,
            )
            if gone is None:
                raise
            if gone == self.base:
                raise UsageError(
                    f"the remote has no branch {gone!r}", hint="check --base, or git.base in gitops-bot.yaml"
                ) from None
            raise UsageError(
                f"the remote has no branch {gone!r}, which an environment's 'branch:' names",
                hint="fix that environment's branch: in gitops-bot.yaml, or push the branch",
            ) from None
        return self.base

    def target(self, branch: str | None) -> str:
        """The branch a release lands on: an environment's own (``branch:``), else the base."""
        return branch or self.base

    @property
    def base_ref(self) -> str:
        return f"refs/remotes/origin/{self.base}"

    def remote_refs(self) -> dict[str, tuple[str, str]]:
        """Every remote-tracking ref -> its object and, for a commit, its tree, as the last fetch
        or push left them: one ``for-each-ref`` kept until the next (the kept worktree's check,
        the base's tree and the bot's branches' tips each started a process of their own), and
        across workspaces of one store while the files the refs are read from hold the same
        bytes (:func:`_refs_files`): a watch's cycle over an unchanged repository starts none, a
        fetch or a push that moved a ref one after it, not one before it and one after."""
        if self._refs is None:
            common = str(self.store.common_dir)
            files = _refs_files(Path(common))
            kept = _kept_refs.get(common, files)
            if kept is not None:
                self._refs = kept
                return kept
            out = self.store.raw("for-each-ref", "--format=%(objectname) %(tree) %(refname)", "refs/remotes/")
            refs = {}
            for line in out.decode("utf-8", "surrogateescape").splitlines():
                sha, tree, ref = line.split(" ", 2)
                refs[ref] = (sha, tree)
            self._refs = refs
            # the files as read before the listing: a ref moved in between is read again next time
            if files is not None and files == _refs_files(Path(common)):
                _kept_refs.put(common, files, refs)
        return self._refs

    def refs_moved(self) -> None:
        """A push may have moved remote-tracking refs: :meth:`remote_refs` reads them again."""
        self._refs = None

    def remote_sha(self, branch: str) -> str | None:
        return self.store.ok("rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{branch}^{{commit}}")

    def tree_of(self, rev: str) -> str:
        return self.store.run("rev-parse", f"{rev}^{{tree}}")

    # -- the worktree ----------------------------------------------------------------

    def checkout_base(self, branch: str | None = None) -> Path:
        """A clean worktree detached at the remote base (created on first use), or at an
        environment's own ``branch`` as fetched (the same directory: the config's paths name
        that branch's files there). A cached clone keeps its worktree from run to run (under
        the cache's lock): the next run resets the files that changed instead of writing every
        file of the repository again."""
        start = f"refs/remotes/origin/{branch}" if branch and branch != self.base else self.base_ref
        if self.worktree is None and self._kept is not None and self._reuse(self._kept, start):
            return self._kept
        if self.worktree is None:
            self.worktree = self._kept or Path(tempfile.mkdtemp(prefix=WT_PREFIX))
            shutil.rmtree(self.worktree, ignore_errors=True)
            reason = "gitops-bot cache" if self._kept else f"{WT_LOCK}{os.getpid()} on {socket.gethostname()}"
            # --force twice: a kept worktree whose directory is gone is still registered, locked
            add = ("worktree", "add", "--detach", "--force", "--force", "--lock", "--reason", reason)
            run(self.store, *add, str(self.worktree), start, what="worktree")
            self._wt = Repo.linked(self.worktree)
            self._shown_at = _checked_out(self._wt)  # a new worktree holds its commit's files alone
        else:
            # known at start's commit, with no git command run in it through the workspace since
            # (a rollback checks out the base again before its edit): a status spares the reset
            # and the clean where nothing was written meanwhile; after a commit, reset at once
            known, want = self._shown_at, self.remote_refs().get(start)
            wt = self._repo()
            if known is None or want is None or known != want[0] or not self._clean_at(wt, start):
                wt.run("reset", "-q", "--hard", start)
                wt.run("clean", "-fdq")
        return self.worktree

    def _reuse(self, path: Path, start: str) -> bool:
        """The kept worktree reset to ``start``; False when there is none that works (never
        made, or its clone was made again since). One already clean at ``start`` (a watch's
        cycle over an unchanged repository, every cycle) is left as it is: a ``status`` spares
        the ``reset`` and the ``clean``."""
        if not (path / ".git").is_file():
            return False
        try:
            wt = Repo.linked(path)
            if not self._clean_at(wt, start):
                wt.run("reset", "-q", "--hard", start)
                wt.run("clean", "-ffdqx")
                # reset and cleaned of everything, ignored files too: its files are its commit's
                # as a status would show them, which the reading no longer asks again
                self._shown_at = _checked_out(wt)
        except (GitError, OSError):
            return False
        self.worktree, self._wt = path, wt
        return True

    def _clean_at(self, wt: Repo, start: str) -> bool:
        """``wt`` has ``start``'s commit checked out and nothing changed, added or ignored (what
        ``clean -x`` would remove, a nested repository included, is listed too)."""
        want = self.remote_refs().get(start)
        if want is None:
            return False
        out = wt.ok("status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--ignored")
        entries = [e for e in (out or "").split("\0") if e]
        clean = (
            out is not None
            and f"# branch.oid {want[0]}" in entries
            and all(e.startswith("# ") for e in entries)
        )
        self._shown_at = want[0] if clean else None
        return clean

    def files_at(self, path: Path) -> str | None:
        """The commit the worktree at ``path`` holds exactly (nothing changed, added or
        ignored): as the ``status`` that spared its reset showed, or as the ``worktree add``, or
        the ``reset --hard`` and ``clean -x`` of :meth:`checkout_base` left it, while no command
        has run in it through this workspace since; None otherwise: the files are to be asked."""
        return self._shown_at if self.worktree is not None and path == self.worktree else None

    def _repo(self) -> Repo:
        assert self._wt is not None, "checkout_base() first"
        self._shown_at = None  # a command in the worktree (reset, add, commit) may change its files
        return self._wt

    def repo_at(self, path: Path) -> Repo | None:
        return self._wt if self.worktree is not None and path == self.worktree else None

    def diff(self) -> str:
        """Every change in the worktree against its base, files the run creates included
        (the holds file), as the commit would record it."""
        wt = self._repo()
        wt.run("add", "-A")
        return wt.run("diff", "--cached", "--no-color", "--no-ext-diff")

    def commit(self, message: str, *, author_name: str, author_email: str) -> str | None:
        """Commit every change in the worktree; None when there is nothing to commit."""
        wt = self._repo()
        wt.run("add", "-A")
        if not wt.run("status", "--porcelain"):
            return None
        ident = {
            "GIT_AUTHOR_NAME": author_name,
            "GIT_AUTHOR_EMAIL": author_email,
            "GIT_COMMITTER_NAME": author_name,
            "GIT_COMMITTER_EMAIL": author_email,
        }
        with tempfile.NamedTemporaryFile(
            "w", suffix=".msg", delete=False, encoding="utf-8", dir=privdir.path()
        ) as f:
            f.write(redact(message))  # published text passes the log redaction
        try:
            sign = "--gpg-sign" if self.commit_env else "--no-gpg-sign"
            run(
                wt,
                "commit",
                "--no-verify",
                sign,
                "-q",
                "-F",
                f.name,
                env={**ident, **self.commit_env},
                what="commit",
            )
        finally:
            os.unlink(f.name)
        return wt.run("rev-parse", "HEAD")

    def head_changes(self) -> tuple[str, str, list[tuple[str, str, bytes | None]]]:
        """The worktree commit's parent and message, and per changed file (path, mode, content or
        None when deleted): what recreating the commit through an API needs."""
        wt = self._repo()
        parent = wt.run("rev-parse", "HEAD^")
        out: list[tuple[str, str, bytes | None]] = []
        for line in wt.run("diff-tree", "-r", "--no-renames", "--raw", "-z", "HEAD^", "HEAD").split("\0:"):
            if not line.strip("\0"):
                continue
            meta, path = line.lstrip(":").split("\0")[:2]
            _, mode, _, blob, status = meta.split()
            content = None if status == "D" else wt.raw("cat-file", "blob", blob)
            out.append((path, mode, content))
        # the message exactly as the commit object holds it (after the headers' blank line)
        message = wt.raw("cat-file", "commit", "HEAD").partition(b"\n\n")[2].decode(errors="replace")
        return parent, message, out

    def head_tree(self) -> str:
        return self._repo().run("rev-parse", "HEAD^{tree}")

    def staged_tree(self) -> str:
        """The tree a commit of the worktree's index would record (after :meth:`diff`)."""
        return self._repo().run("write-tree")

    def push(self, refspec: str, *, lease: tuple[str, str | None] | None = None) -> None:
        """Push; ``lease=(branch, expected sha or None for absent)`` makes a force push safe
        against another bot's concurrent push. A rejection raises PushRejected."""
        args = ["push", "--porcelain", "origin", refspec]
        if lease is not None:
            branch, expected = lease
            args.insert(1, f"--force-with-lease=refs/heads/{branch}:{expected or ''}")
        self.refs_moved()
        try:
            run(self._repo(), *args, env=self.env, what="push")
        except GitError as exc:
            if RACE.search(exc.detail):
                raise PushRejected(str(exc)) from None
            raise

    def delete_remote_branch(self, branch: str, expected: str) -> None:
        try:
            self.push(f":refs/heads/{branch}", lease=(branch, expected))
        except PushRejected:
            log.warning("branch_not_deleted", branch=branch, reason="it moved meanwhile")

    def close(self) -> None:
        self._shown_at = None
        if self.worktree is not None and self.worktree == self._kept:
            self.worktree = self._wt = None
        if self.worktree is not None:
            try:
                self.store.run("worktree", "remove", "--force", "--force", str(self.worktree))
            except GitError:
                shutil.rmtree(self.worktree, ignore_errors=True)
                self.store.run("worktree", "prune")
            self.worktree = None
            self._wt = None
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None

    def __enter__(self) -> GitWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _checked_out(wt: Repo) -> str | None:
    """The commit a worktree detached at it has checked out, as its ``HEAD`` file names it
    (gitrepository-layout(5)); None when that file names a branch or cannot be read."""
    try:
        head = (wt.git_dir / "HEAD").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return head if len(head) in (40, 64) and all(c in "0123456789abcdef" for c in head) else None


def _refs_files(common: Path) -> bytes | None:
    """What ``packed-refs`` and every loose ref under ``refs/remotes`` hold, names and bytes,
    as one string: what ``for-each-ref refs/remotes/`` reads refs from in the files backend.
    None where that is not known to be all: refs in a reftable, a ref being written (its
    ``.lock``), a file that cannot be read."""
    if (common / "reftable").exists():
        return None
    try:
        parts = [(common / "packed-refs").read_bytes()]
    except FileNotFoundError:
        parts = [b""]
    except OSError:
        return None
    top = common / "refs" / "remotes"
    if not top.is_dir():
        return parts[0]  # no remote-tracking ref written loose yet
    try:
        for folder, dirs, names in os.walk(top, onerror=_raise):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(".lock"):
                    return None
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    parts.append(os.path.relpath(path, top).encode("utf-8", "surrogateescape"))
                    parts.append(f.read())
    except OSError:  # one removed or moved into packed-refs meanwhile: not known to be all
        return None
    return b"\0".join(parts)


def _raise(exc: OSError) -> None:
    raise exc
