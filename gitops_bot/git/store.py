"""Where a :class:`~gitops_bot.git.git.GitWorkspace`'s objects live: the user's own checkout
(``--repo`` a path), or a cached bare partial clone (``--repo`` a URL) under the cache folder,
taken by one run at a time (``flock``), made in a temporary folder and renamed into place,
with the worktrees of runs that died pruned.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from gitops_bot.core import progress
from gitops_bot.core.errors import GitError, ServiceUnavailable, UsageError
from gitops_bot.git.gitcli import Repo, completed, run

LOCK_WAIT = 300.0  # seconds to wait for another run holding the cache
WT_PREFIX = "gitops-bot-wt-"
WT_LOCK = "gitops-bot pid "
ORIGIN_HEAD = "refs/remotes/origin/HEAD"  # the remote's default branch, as clone/fetch record it
_USUAL_DEFAULTS = ("refs/remotes/origin/main", "refs/remotes/origin/master")


def local_store(repo: str) -> Repo:
    """The user's own clone at ``repo`` (its root, with an 'origin' remote)."""
    path = Path(repo)
    opened = _opened(path)
    if opened is None:
        raise UsageError(f"{repo} is not a git repository", hint="point --repo at a clone or a URL")
    top, store = opened
    if top != path.resolve():  # a folder inside a clone (the default --repo . run from overlays/dev)
        inner = path.resolve().relative_to(top)
        names = ("gitops-bot.yaml", "gitops-bot.yml")
        config = next((inner / n for n in names if (path / n).is_file()), None)
        hint = f"point --repo at {top}" + (f" and --config at {config.as_posix()}" if config else "")
        raise UsageError(f"{repo} is inside the git repository {top}, not its root", hint=hint)
    if store.origin_url() is None:
        raise UsageError(f"{repo} has no 'origin' remote", hint="add the GitOps repository as origin")
    return store


def checkout_branch(path: Path) -> str | None:
    """The branch a local checkout's files are taken to be of (the first of
    :func:`checkout_bases`); None when none is known."""
    names = checkout_bases(path)
    return names[0] if names else None


def checkout_bases(path: Path) -> tuple[str, ...]:
    """The branches a local checkout's files stand for, the preferred first: the remote's
    default as last fetched (``origin/HEAD``; with none recorded, as a repository made by
    ``init`` and ``push`` has, origin's main or master): a topic branch is what it would merge
    into there, so an Application tracking the default renders these files; then the branch
    checked out. Empty when none is known (not a git checkout, a detached HEAD, no remote)."""
    if not path.is_dir():
        return ()
    proc = completed(["symbolic-ref", "-q", ORIGIN_HEAD], cwd=str(path))
    refs = [proc.stdout.decode(errors="replace").strip()] if proc.returncode == 0 else []
    if not refs:
        listed = completed(["for-each-ref", "--format=%(refname)", *_USUAL_DEFAULTS], cwd=str(path))
        refs = listed.stdout.decode(errors="replace").split() if listed.returncode == 0 else []
    names = [r.removeprefix("refs/remotes/origin/") for r in refs if r.startswith("refs/remotes/origin/")]
    proc = completed(["symbolic-ref", "-q", "--short", "HEAD"], cwd=str(path))
    if proc.returncode == 0 and (name := proc.stdout.decode(errors="replace").strip()):
        names.append(name)
    return tuple(dict.fromkeys(names))


def origin_url(path: Path) -> str | None:
    """The URL of a local checkout's ``origin`` remote; None when it has none (or is no checkout)."""
    if not path.is_dir():
        return None
    proc = completed(["config", "--get", "remote.origin.url"], cwd=str(path))
    return (proc.stdout.decode(errors="replace").strip() or None) if proc.returncode == 0 else None


def _opened(path: Path) -> tuple[Path, Repo] | None:
    """The root of the working tree ``path`` is in (``path`` itself for a bare repository) and
    the repository there, opened from the same ``rev-parse`` (where each asked one); None when
    ``path`` is in none. In a bare repository ``--show-toplevel`` fails after the lines before
    it are printed: those are read."""
    if not path.is_dir():
        return None
    asked = ["rev-parse", "--is-bare-repository", "--absolute-git-dir", "--git-common-dir", "--show-toplevel"]
    proc = completed(asked, cwd=str(path))
    lines = proc.stdout.decode(errors="replace").splitlines()
    if len(lines) < 3 or lines[0] not in ("true", "false"):
        return None
    git_dir, common = Path(lines[1]), path / lines[2] if not os.path.isabs(lines[2]) else Path(lines[2])
    if lines[0] == "true":
        return path.resolve(), Repo(path, (git_dir, common.resolve()))
    if proc.returncode != 0 or len(lines) < 4:
        return None
    return Path(lines[3]).resolve(), Repo(path, (git_dir, common.resolve()))


def cached_store(repo: str, cache_dir: Path, env: dict[str, str]) -> tuple[Repo, int, Path]:
    """The cached clone of the URL ``repo`` (cloned on first use), the file descriptor holding
    its lock (the caller closes it), and where its kept worktree goes."""
    key = hashlib.sha256(repo.encode()).hexdigest()[:16]
    path = cache_dir / "repos" / key
    lock = _lock(path.parent, key)
    try:
        for leftover in _half_done(path.parent).get(key, ()):  # a clone a killed run left
            shutil.rmtree(path.parent / leftover, ignore_errors=True)
        if not (path / "HEAD").exists():
            _clone(repo, path, key, env)
        return Repo.bare(path), lock, _worktree(str(cache_dir / "worktrees" / key))
    except BaseException:
        os.close(lock)
        raise


def _half_done(folder: Path) -> dict[str, tuple[str, ...]]:
    """The clones :func:`_clone` began in ``folder`` and never renamed into place (".KEY.xxx"),
    by key. A watch asks for each of its repositories every cycle, and a listing of the folder
    for each was n listings of n entries a cycle: the folder is listed again only when its
    entries changed (its mtime), so an unchanged fleet's cycle lists it not at all."""
    try:
        return _listed((folder, os.stat(folder).st_mtime_ns))
    except OSError:
        return {}


@functools.lru_cache(maxsize=4)  # one folder a cache; the last listing of each is what is used
def _listed(stamped: tuple[Path, int]) -> dict[str, tuple[str, ...]]:
    """The folder's half-done clones by key, as listed when its mtime was ``stamped[1]``."""
    found: dict[str, list[str]] = {}
    with os.scandir(stamped[0]) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                found.setdefault(entry.name[1:].partition(".")[0], []).append(entry.name)
    return {key: tuple(names) for key, names in found.items()}


@functools.lru_cache(maxsize=1024)
def _worktree(path: str) -> Path:
    """One path object a kept worktree, whoever opens it: the readings' bounded caches (walks
    by commit, relative and joined paths) key on the checkout's root, and each key made in
    a watch's later cycle held that cycle's object of the same path alive, its parts with it
    (a few a repository, up to those caches' bounds)."""
    return Path(path)


def _clone(repo: str, path: Path, key: str, env: dict[str, str]) -> None:
    """A bare partial clone, made in a temporary directory and renamed into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=path.parent))
    try:
        with progress.status(f"cloning {repo}"):
            run(
                path.parent,
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


def prune_worktrees(store: Repo, *, exclusive: bool) -> None:
    """Remove the worktrees of gitops-bot runs that died (SIGKILL) and registrations whose
    directory is gone. Holding the cache's lock (``exclusive``), every gitops-bot worktree of
    the cache is a dead run's; in a user's own repository a worktree is left alone unless its
    run (pid and host in the lock reason) is gone from this machine. ``worktree prune`` runs
    only when the list marks a registration prunable (its directory gone, not locked): on most
    runs there is none, and it was one more process of every run's fixed cost. Nor is the list
    asked where every registration is locked for a reason not a run's (:func:`_nothing_to_prune`):
    the cache's one kept worktree, every run of a watch's cycle."""
    if _nothing_to_prune(store):
        return
    try:
        out = store.run("worktree", "list", "--porcelain")
    except GitError:
        return
    prunable = False
    for block in out.split("\n\n"):
        fields = dict(line.partition(" ")[::2] for line in block.splitlines())
        prunable = prunable or "prunable" in fields
        reason = fields.get("locked", "")
        if not reason.startswith(WT_LOCK) or (not exclusive and _alive(reason.removeprefix(WT_LOCK))):
            continue
        with contextlib.suppress(GitError):
            store.run("worktree", "remove", "--force", "--force", fields["worktree"])
    if prunable:
        with contextlib.suppress(GitError):
            store.run("worktree", "prune")


def _nothing_to_prune(store: Repo) -> bool:
    """Every worktree registered in ``store`` is locked (git never prunes a locked one), none
    by a gitops-bot run (``WT_LOCK``): what the registrations' ``locked`` files say
    (gitrepository-layout(5): ``worktrees/<id>/locked`` holds the reason), read without a
    process. Any other registration, or one that cannot be read, is for the list to judge."""
    admin = store.common_dir / "worktrees"
    if not admin.exists():
        return True  # none registered at all
    try:
        for entry in os.scandir(admin):
            reason = Path(entry.path, "locked").read_text(encoding="utf-8", errors="replace")
            if reason.startswith(WT_LOCK):
                return False
    except OSError:  # not locked (no such file), or not readable
        return False
    return True


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
