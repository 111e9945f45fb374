"""``gitops-bot`` run inside the test's own process: the same ``cli.main`` a process runs, its
output captured, without paying a Python start-up and the package's imports per call (about a
third of a second of CPU each).

What a run changes in the process is put back after it: the environment variables it was given,
and the SIGTERM/SIGINT handlers (``cli.main`` installs one that removes its private directory
and exits 143; left in a test worker, a stopped run would end as that test's failure)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

HANDLED = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def signal_handlers_kept() -> Iterator[None]:
    """The process's SIGTERM and SIGINT handlers as they were before the block, after it."""
    saved = {s: signal.getsignal(s) for s in HANDLED}
    try:
        yield
    finally:
        for s, handler in saved.items():
            if handler is not None and signal.getsignal(s) is not handler:
                signal.signal(s, handler)


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` set in ``os.environ`` for the block, the previous values (or their absence) after."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def only_environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` is ``env`` and nothing else for the block, all of it as it was after."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def secrets_of_its_own() -> Iterator[None]:
    """The block registers its secrets as a fresh process would: none of the process's before
    it are redacted in it (an earlier run's token a later run echoes is still seen echoed),
    and after it the process holds what it held before, no more."""
    from gitops_bot.core import log

    saved, spelled = log._saved(), dict(log._spelled)
    log._restore((set(), {}))
    try:
        yield
    finally:
        log._permanent.update(saved[0])
        log._spelled.update(spelled)
        log._restore(saved)


def run(argv: Sequence[str], env: Mapping[str, str] | None = None, *, alone: bool = False) -> Run:
    """``gitops-bot ARGV`` as a process would run it, with ``env`` added to the environment (or,
    ``alone``, as the whole environment: a container's). One run at a time: stdout and stderr are
    the process's. What escapes ``main`` is what the process would print before exiting 1."""
    from gitops_bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        only_environment(env or {}) if alone else environment(env or {}),
        signal_handlers_kept(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:
            print(traceback.format_exc(), file=sys.stderr, end="")
            code = 1
    return Run(code, out.getvalue(), err.getvalue())
