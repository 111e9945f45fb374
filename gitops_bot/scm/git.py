"""The git side of write-back (gitpython driving the git CLI).

Shape: a *store* repository holds the objects: the user's own checkout when ``--repo`` is a
path, or a cached partial clone (``--filter=blob:none``) when it is a URL, reused by later runs
so the steady state is one fetch. Every change is made in a throwaway linked worktree, detached
at the remote base, so a user's working tree and branches are never touched.

Credentials: a token is handed to git per command through ``GIT_CONFIG_COUNT`` environment
variables (``http.extraHeader``); it never lands in ``.git/config``, a remote URL, a log line
or an error message.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from gitops_bot import progress
from gitops_bot.errors import GitError, PushRejected, ServiceUnavailable, UsageError
from gitops_bot.log import get_logger, redact, register_secret

log = get_logger(__name__)
# A user part in an http(s) URL is a password or token in the clear; ssh's "git@" is not.
_CREDENTIALS_IN_URL = re.compile(r"^https?://[^/@]+@", re.IGNORECASE)
# what git itself runs to fetch a partial clone's missing objects, for many objects at once
_PREFETCH = (
    *("-c", "fetch.negotiationAlgorithm=noop", "fetch", "-q", "origin", "--no-tags"),
    *("--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none", "--stdin"),
)


# How git (and GitHub/GitLab's receive-pack) words "someone else updated this ref first".
RACE = re.compile(
    r"\[rejected\]|\[remote rejected\]|stale info|fetch first|non-fast-forward|failed to update ref"
    r"|cannot lock ref|incorrect old value|reference already exists|failed to lock"
)
RACE_DEADLINE = 90.0  # seconds of push retries before giving up (exit 3)
LOCK_WAIT = 300.0  # seconds to wait for another run holding the cache
_WT_PREFIX = "gitops-bot-wt-"
_WT_LOCK = "gitops-bot pid "


def race_attempts(
    deadline: float = RACE_DEADLINE, *, sleep: Any = time.sleep, clock: Any = time.monotonic
) -> Iterator[int]:
    """Attempt numbers for a push race: back-off with full jitter between attempts (so four
    bots that collided do not collide again in step), until ``deadline`` seconds have passed."""
    end = clock() + deadline
    attempt = 1
    while True:
        yield attempt
        wait = random.uniform(0, min(0.2 * 2**attempt, 5.0))
        if clock() + wait >= end:
            return
        sleep(wait)
        attempt += 1


def is_url(repo: str) -> bool:
    return "://" in repo or (re.match(r"^[\w.-]+@[\w.-]+:", repo) is not None)


def auth_env(url: str, token: str | None, user: str = "x-access-token") -> dict[str, str]:
    """``user`` is what the forge wants beside the token (GitLab's job token: gitlab-ci-token)."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "LC_ALL": "C"}
    if token and url.lower().startswith("https://"):
        header = "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        register_secret(token)
        register_secret(header.split(" ", 2)[2])
        env.update(
            {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": header}
        )
    return env


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    time: str  # ISO 8601, the author date
    message: str
    # each path the commit changed, and its blob id in the
    # first parent (None: the file did not exist there)
    before: tuple[tuple[str, str | None], ...] = ()


class Workspace:
    def __init__(
        self,
        store: git.Repo,
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
        self.worktree: Path | None = None
        self._wt: git.Repo | None = None
        self._lock = lock
        _prune_worktrees(store, exclusive=lock is not None)
        self.commit_env: dict[str, str] = {}  # signing config for 'git commit' only (trust.signing)
        self._missing_blobs: dict[tuple[str, tuple[str, ...]], set[str]] = {}

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls, repo: str, *, cache_dir: Path, token: str | None = None, user: str = "x-access-token"
    ) -> Workspace:
        if _CREDENTIALS_IN_URL.match(repo):
            raise UsageError(
                "the repository URL carries credentials",
                hint="pass the token in GITHUB_TOKEN instead; it is never written to disk",
            )
        if not is_url(repo):
            path = Path(repo)
            try:
                store = git.Repo(path, search_parent_directories=False)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                try:  # a folder inside a clone (the default --repo . run from overlays/dev)
                    top = git.Repo(path, search_parent_directories=True).working_tree_dir
                except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                    top = None
                if top is not None:
                    raise UsageError(
                        f"{repo} is inside the git repository {top}, not its root",
                        hint=f"point --repo at {top}",
                    ) from None
                raise UsageError(
                    f"{repo} is not a git repository", hint="point --repo at a clone or a URL"
                ) from None
            if "origin" not in [r.name for r in store.remotes]:
                raise UsageError(f"{repo} has no 'origin' remote", hint="add the GitOps repository as origin")
            url = store.remotes.origin.url
            return cls(store, url, auth_env(url, token, user))
        key = hashlib.sha256(repo.encode()).hexdigest()[:16]
        path = cache_dir / "repos" / key
        env = auth_env(repo, token, user)
        lock = _lock(path.parent, key)
        try:
            for leftover in path.parent.glob(f".{key}.*"):  # a clone a killed run left half-done
                shutil.rmtree(leftover, ignore_errors=True)
            if not (path / "HEAD").exists():
                _clone(repo, path, key, env)
            return cls(git.Repo(path), repo, env, lock, kept=cache_dir / "worktrees" / key)
        except BaseException:
            os.close(lock)
            raise

    # -- remote ----------------------------------------------------------------------

    def default_branch(self) -> str:
        out = _run(self.store.git, "ls-remote", "--symref", "origin", "HEAD", env=self.env, what="ls-remote")
        m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
        if not m:
            raise GitError("cannot tell the remote's default branch", hint="set git.base in gitops-bot.yaml")
        return m.group(1)

    def fetch(self, base: str | None, prefix: str) -> str:
        """Fetch the base branch and the bot's branches; returns the base branch name."""
        self.base = base or self.default_branch()
        try:
            _run(
                self.store.git,
                "fetch",
                "--prune",
                "--no-tags",
                "origin",
                f"+refs/heads/{self.base}:refs/remotes/origin/{self.base}",
                f"+refs/heads/{prefix}/*:refs/remotes/origin/{prefix}/*",
                env=self.env,
                what="fetch",
            )
        except GitError as exc:  # the remote answered: the base branch is not there (a typo, not the network)
            if f"couldn't find remote ref refs/heads/{self.base}" not in exc.detail:
                raise
            raise UsageError(
                f"the remote has no branch {self.base!r}",
                hint="check --base, or git.base in gitops-bot.yaml",
            ) from None
        return self.base

    @property
    def base_ref(self) -> str:
        return f"refs/remotes/origin/{self.base}"

    def remote_sha(self, branch: str) -> str | None:
        try:
            return str(
                self.store.git.rev_parse("--verify", "--quiet", f"refs/remotes/origin/{branch}^{{commit}}")
            )
        except git.GitCommandError:
            return None

    def tree_of(self, rev: str) -> str:
        return str(self.store.git.rev_parse(f"{rev}^{{tree}}"))

    # -- history ---------------------------------------------------------------------

    def log(self, rev: str, paths: Sequence[str]) -> list[Commit]:
        """Commits on ``rev``'s first-parent line that touch ``paths``, newest first, each with
        the blob ids its changed paths had before it (one ``git log``)."""
        fmt = "%x1e%H%x1f%P%x1f%an <%ae>%x1f%aI%x1f%B%x1d"
        raw = ("--raw", "--no-abbrev", "--no-renames", "--root", "--diff-merges=first-parent")
        out = _run(
            self.store.git,
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
        for record in out.split("\x1e")[1:]:
            head, _, diff = record.partition("\x1d")
            sha, parents, author, time, message = head.split("\x1f", 4)
            commits.append(Commit(sha, tuple(parents.split()), author, time, message, _raw_before(diff)))
        return commits

    def blobs_at(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        """path -> blob id of each of ``paths`` that exists at ``rev`` (one ``git ls-tree``)."""
        out = _run(self.store.git, "-c", "core.quotePath=false", "ls-tree", rev, "--", *paths, what="ls-tree")
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
        if missing:
            _git_input(
                list(_PREFETCH),
                "".join(f"{b}\n" for b in sorted(missing)).encode(),
                cwd=str(self.store.git_dir),
                env=self.env,
                what="fetch",
            )
        data = _git_input(
            ["cat-file", "--batch"], "".join(f"{b}\n" for b in wanted).encode(), cwd=str(self.store.git_dir)
        )
        return _parse_batch(data)

    def _missing(self, rev: str, paths: Sequence[str]) -> set[str]:
        out = _run(
            self.store.git,
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

    def messages(self, rev_range: str) -> str:
        """The messages of the commits in ``a..b`` (what a merge commit brought in)."""
        return _run(self.store.git, "log", "--format=%B", rev_range, env=self.env, what="log")

    # -- the worktree ----------------------------------------------------------------

    def checkout_base(self) -> Path:
        """A clean worktree detached at the remote base (created on first use). A cached clone
        keeps its worktree from run to run (under the cache's lock): the next run resets the
        files that changed instead of writing every file of the repository again."""
        start = self.base_ref
        if self.worktree is None and self._kept is not None and self._reuse(self._kept, start):
            return self._kept
        if self.worktree is None:
            self.worktree = self._kept or Path(tempfile.mkdtemp(prefix=_WT_PREFIX))
            shutil.rmtree(self.worktree, ignore_errors=True)
            reason = (
                "gitops-bot cache" if self._kept else f"{_WT_LOCK}{os.getpid()} on {socket.gethostname()}"
            )
            # --force twice: a kept worktree whose directory is gone is still registered, locked
            add = ("worktree", "add", "--detach", "--force", "--force", "--lock", "--reason", reason)
            _run(self.store.git, *add, str(self.worktree), start, what="worktree")
            self._wt = git.Repo(self.worktree)
        else:
            wt = self._repo()
            wt.git.reset("-q", "--hard", start)
            wt.git.clean("-fdq")
        return self.worktree

    def _reuse(self, path: Path, start: str) -> bool:
        """The kept worktree reset to ``start``; False when there is none that works (never
        made, or its clone was made again since)."""
        if not (path / ".git").is_file():
            return False
        try:
            wt = git.Repo(path)
            wt.git.reset("-q", "--hard", start)
            wt.git.clean("-ffdqx")
        except (git.GitError, OSError):
            return False
        self.worktree, self._wt = path, wt
        return True

    def _repo(self) -> git.Repo:
        assert self._wt is not None, "checkout_base() first"
        return self._wt

    def diff(self) -> str:
        """Every change in the worktree against its base, files the run creates included
        (the holds file), as the commit would record it."""
        wt = self._repo()
        wt.git.add("-A")
        return str(wt.git.diff("--cached", "--no-color", "--no-ext-diff"))

    def commit(self, message: str, *, author_name: str, author_email: str) -> str | None:
        """Commit every change in the worktree; None when there is nothing to commit."""
        wt = self._repo()
        wt.git.add("-A")
        if not wt.git.status("--porcelain"):
            return None
        ident = {
            "GIT_AUTHOR_NAME": author_name,
            "GIT_AUTHOR_EMAIL": author_email,
            "GIT_COMMITTER_NAME": author_name,
            "GIT_COMMITTER_EMAIL": author_email,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".msg", delete=False, encoding="utf-8") as f:
            f.write(redact(message))  # published text passes the log redaction
        try:
            sign = "--gpg-sign" if self.commit_env else "--no-gpg-sign"
            _run(
                wt.git,
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
        return str(wt.head.commit.hexsha)

    def head_changes(self) -> tuple[str, str, list[tuple[str, str, bytes | None]]]:
        """The worktree commit's parent and message, and per changed file (path, mode, content or
        None when deleted): what recreating the commit through an API needs."""
        wt = self._repo()
        parent = str(wt.git.rev_parse("HEAD^"))
        out: list[tuple[str, str, bytes | None]] = []
        for line in str(wt.git.diff_tree("-r", "--no-renames", "--raw", "-z", "HEAD^", "HEAD")).split("\0:"):
            if not line.strip("\0"):
                continue
            meta, path = line.lstrip(":").split("\0")[:2]
            _, mode, _, blob, status = meta.split()
            content = (
                None
                if status == "D"
                else wt.git.cat_file("blob", blob, stdout_as_string=False, strip_newline_in_stdout=False)
            )
            out.append((path, mode, content))
        return parent, str(wt.head.commit.message), out

    def head_tree(self) -> str:
        return str(self._repo().head.commit.tree.hexsha)

    def staged_tree(self) -> str:
        """The tree a commit of the worktree's index would record (after :meth:`diff`)."""
        return str(self._repo().git.write_tree())

    def push(self, refspec: str, *, lease: tuple[str, str | None] | None = None) -> None:
        """Push; ``lease=(branch, expected sha or None for absent)`` makes a force push safe
        against another bot's concurrent push. A rejection raises PushRejected."""
        args = ["push", "--porcelain", "origin", refspec]
        if lease is not None:
            branch, expected = lease
            args.insert(1, f"--force-with-lease=refs/heads/{branch}:{expected or ''}")
        try:
            _run(self._repo().git, *args, env=self.env, what="push")
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
        if self._wt is not None:
            self._wt.close()  # gitpython's cat-file processes
        if self.worktree is not None and self.worktree == self._kept:
            self.worktree = self._wt = None
        if self.worktree is not None:
            try:
                self.store.git.worktree("remove", "--force", "--force", str(self.worktree))
            except git.GitCommandError:
                shutil.rmtree(self.worktree, ignore_errors=True)
                self.store.git.worktree("prune")
            self.worktree = None
            self._wt = None
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clone(repo: str, path: Path, key: str, env: dict[str, str]) -> None:
    """A bare partial clone, made in a temporary directory and renamed into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=path.parent))
    try:
        with progress.status(f"cloning {repo}"):
            _run(
                git.Git(),
                "clone",
                "--bare",
                "--filter=blob:none",
                "--no-tags",
                repo,
                str(tmp),
                env=env,
                what="clone",
            )
        tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _lock(folder: Path, key: str) -> int:
    """An exclusive ``flock`` on the cached repository for this process's run: two runs on one
    machine take turns (bounded wait), and the lock dies with its process, even on SIGKILL."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise UsageError(
            f"cannot use the cache {folder}: {exc.strerror}", hint="set GITOPS_BOT_CACHE"
        ) from None
    end = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= end:
                os.close(fd)
                raise ServiceUnavailable(
                    f"the cache {folder} stayed busy for {LOCK_WAIT:g} s (another gitops-bot run)",
                    hint="run again when the other run has ended",
                ) from None
            time.sleep(0.1)


def _prune_worktrees(store: git.Repo, *, exclusive: bool) -> None:
    """Remove the worktrees of gitops-bot runs that died (SIGKILL) and registrations whose
    directory is gone. Holding the cache's lock (``exclusive``), every gitops-bot worktree of
    the cache is a dead run's; in a user's own repository a worktree is left alone unless its
    run (pid and host in the lock reason) is gone from this machine."""
    try:
        out = str(store.git.worktree("list", "--porcelain"))
    except git.GitCommandError:
        return
    for block in out.split("\n\n"):
        fields = dict(line.partition(" ")[::2] for line in block.splitlines())
        reason = fields.get("locked", "")
        if not reason.startswith(_WT_LOCK) or (not exclusive and _alive(reason.removeprefix(_WT_LOCK))):
            continue
        with contextlib.suppress(git.GitCommandError):
            store.git.worktree("remove", "--force", "--force", fields["worktree"])
    with contextlib.suppress(git.GitCommandError):
        store.git.worktree("prune")


def _alive(owner: str) -> bool:
    """``owner`` is "PID on HOST": alive unless on this host and no such process."""
    pid, _, host = owner.partition(" on ")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's (or an unreadable) lock: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(g: git.Git, *args: str, env: dict[str, str] | None = None, what: str) -> str:
    kwargs: dict[str, Any] = {"env": {**os.environ, **(env or {})}}
    log.debug("git", command=what, args=" ".join(args))
    try:
        return str(g.execute(["git", *args], **kwargs))
    except git.GitCommandError as exc:
        text = "\n".join(str(x or "") for x in (exc.stdout, exc.stderr))
        raise failure(what, text.replace("stdout: ", "").replace("stderr: ", ""), exc.status) from None


def failure(what: str, output: str, status: object) -> GitError:
    """A failed git command as the error the user reads: its first fatal/error line (or its
    last line), redacted; the whole output, redacted, as the detail."""
    text = redact(output)
    lines = [ln.strip(" '\t") for ln in text.splitlines()]
    useful = [ln for ln in lines if ln and not ln.startswith("hint:")]
    reason = next((ln for ln in useful if ln.startswith(("fatal:", "error:", "!"))), None)
    reason = reason or (useful[-1] if useful else f"exit {status}")
    return GitError(
        f"git {what} failed: {reason}",
        hint="check the remote URL, the token and the network",
        detail=text,
    )


def _raw_before(diff: str) -> tuple[tuple[str, str | None], ...]:
    """``git log --raw`` lines (``:100644 100644 OLD NEW M<TAB>path``) -> (path, OLD or None)."""
    out = []
    for line in diff.splitlines():
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        old = meta.split()[2]
        out.append((path, None if set(old) == {"0"} else old))
    return tuple(out)


def _parse_batch(data: bytes) -> dict[str, bytes]:
    """``git cat-file --batch`` output: ``<id> <type> <size>\\n<content>\\n`` per object."""
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos : pos + size]
        pos += size + 1
    return out


def _git_input(
    args: list[str], data: bytes, *, cwd: str, env: dict[str, str] | None = None, what: str = "cat-file"
) -> bytes:
    """A git command fed on stdin (gitpython's execute does not take input bytes)."""
    proc = subprocess.run(
        ["git", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        reason = redact(proc.stderr.decode(errors="replace")).strip().splitlines() or [
            f"exit {proc.returncode}"
        ]
        raise GitError(
            f"git {what} failed: {reason[-1]}", hint="check the remote URL, the token and the network"
        )
    return proc.stdout
