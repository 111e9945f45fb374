"""The process's own private temporary directory: the only place outside the repository it
works on where the bot writes or deletes files.

One directory per process, made on first use under the system temp dir
(``$TMPDIR/gitops-bot-priv-<pid>-<random>``, mode 0700, with an ``owner`` file naming the pid,
its start time and the host). Key material (signing keys, a throwaway ``GNUPGHOME``), commit
messages, the rendered diff's copies of the repository and every output path handed to a tool
(``gpg -o``) live in it; a tool is never
pointed at a path it could delete or replace outside it (``/dev/null`` included: gpg removes
its output file when it fails).

It is removed at exit (``atexit``) and on SIGTERM (the handler raises ``SystemExit``, so
``finally`` blocks and ``atexit`` run). SIGKILL cannot be caught: the directory then stays
until the next start of any gitops-bot process as the same user, which removes every such
directory whose owner process is gone from this host (:func:`sweep`). A directory of another
user, of another host, or of a live process is never touched.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import socket
import stat
import tempfile
import threading
import weakref
from pathlib import Path
from types import FrameType
from typing import Protocol

from gitops_bot.core.errors import UsageError

PREFIX = "gitops-bot-priv-"
_OWNER = "owner"
_lock = threading.Lock()
_dir: Path | None = None
_avoided: list[Path] = []  # the trees it must lie outside (the repositories rendered), resolved
_left: list[Path] = []  # made inside one of them before it was known: removed at exit
_USUAL = ("/tmp", "/var/tmp", "/usr/tmp")  # Python's own candidates after TMPDIR (tempfile)


def _start_time(pid: int) -> str | None:
    """A process's start time in clock ticks since boot (``/proc/PID/stat`` field 22), which
    tells a reused pid from the process that made a directory; None if there is no such process."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return data.rsplit(b")", 1)[-1].split()[19].decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_text() -> str:
    pid = os.getpid()
    return f"{pid} {_start_time(pid) or '-'} {socket.gethostname()}\n"


def path(outside: Path | None = None) -> Path:
    """This process's private directory, made (and stale ones swept) on first use. ``outside``:
    a tree it must not lie in (the repository a render copies into it: a copy made inside what
    it copies copies itself until its names pass the file system's bound, so a ``TMPDIR`` in
    the repository refused every render); one made there before is left for the exit's cleanup
    and a new one made under the first system temporary directory outside every such tree."""
    global _dir
    with _lock:
        if outside is not None and (real := outside.resolve()) not in _avoided:
            _avoided.append(real)
            if _dir is not None and _dir.resolve().is_relative_to(real):
                _left.append(_dir)
                _dir = None
        if _dir is not None and _dir.is_dir():
            return _dir
        base = _base()
        sweep(base)
        made = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
        os.chmod(made, 0o700)
        (made / _OWNER).write_text(_owner_text(), encoding="ascii")
        _dir = made
        return made


def _base() -> Path:
    """The system temporary directory (``TMPDIR``), else the first of the usual ones that lies
    outside every tree the directory must not be in and can be written."""
    first = Path(tempfile.gettempdir())
    for base in (first, *map(Path, _USUAL)):
        inside = any(map(base.resolve().is_relative_to, _avoided))
        if not inside and base.is_dir() and os.access(base, os.W_OK | os.X_OK):
            return base
    raise UsageError(
        f"the temporary directory {first} is inside the repository the bot reads, and no other "
        f"({', '.join(_USUAL)}) can be written",
        hint="set TMPDIR to a directory outside the repository",
    )


def subdir(prefix: str) -> Path:
    """A fresh 0700 directory inside the private directory (one per signer, per use)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=path()))


def cleanup() -> None:
    """Remove this process's private directory (at exit, on SIGTERM; safe to call again)."""
    global _dir
    with _lock:
        made, _dir = [*_left, *([_dir] if _dir is not None else [])], None
        _left.clear()
    for each in made:
        shutil.rmtree(each, ignore_errors=True)


def _stale(entry: Path) -> bool:
    """Is ``entry`` a private directory of ours (this user) whose process is gone from this host?"""
    try:
        st = entry.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False  # a symlink, a file, or another user's: never ours to remove
    try:
        pid_text, started, host = (entry / _OWNER).read_text(encoding="ascii").split()
        pid = int(pid_text)
    except (OSError, ValueError):
        # no owner file yet: a process between mkdtemp and writing it; judge by the name's pid
        name_pid = entry.name.removeprefix(PREFIX).split("-", 1)[0]
        return name_pid.isdigit() and not _alive(int(name_pid)) and not (entry / _OWNER).exists()
    if host != socket.gethostname():
        return False
    if pid == os.getpid():  # the same pid: stale only if a earlier process had it (a container's pid 1)
        return started not in ("-", _start_time(pid))
    return not _alive(pid) or (started != "-" and _start_time(pid) not in (None, started))


def sweep(tmp: Path | None = None) -> list[Path]:
    """Remove the private directories that dead gitops-bot processes of this user left here
    (SIGKILL); returns what was removed."""
    base = tmp or Path(tempfile.gettempdir())
    removed = []
    try:
        entries = [e for e in base.iterdir() if e.name.startswith(PREFIX)]
    except OSError:
        return []
    for entry in entries:
        if entry != _dir and _stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@functools.cache
def sweep_at_start() -> None:
    """:func:`sweep`, once a process, at its start: ``main`` run again in the same process (the
    tests run commands in process, a thousand a worker) does not list the temp dir again."""
    sweep()


class Abortable(Protocol):
    def abort(self) -> None: ...


# what ends a run's calls in flight (its registry pools), aborted first on SIGTERM: the main
# thread's exit waits for the worker threads, which a registry that never answers held past
# Kubernetes' grace (a plan still ran 60 s after SIGTERM). Held weakly: a pool gone is forgotten
_aborts: weakref.WeakSet[Abortable] = weakref.WeakSet()


def abort_on_sigterm(held: Abortable) -> None:
    """Abort ``held`` on SIGTERM, before the exit (while it lives)."""
    _aborts.add(held)


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    for held in list(_aborts):
        held.abort()
    cleanup()
    raise SystemExit(128 + signum)


def install_sigterm_cleanup() -> None:
    """On SIGTERM, remove the directory and exit (143), unless the program already handles
    SIGTERM (``watch`` does: it finishes its release and exits, and ``atexit`` cleans up)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


atexit.register(cleanup)
