"""The playground's clock and its "run a cycle now", loaded only by the bot processes the
playground starts (its ``watch``, and ``scripts/play bot ...``), never by the product: the
product's clock stays the system's, and ``watch`` keeps its own interval.

The playground's time is the system's plus an offset kept in ``<work>/clock`` (seconds, a
float; ``scripts/play wait 1h`` adds to it), read at each call, so a running ``watch`` sees
time pass as soon as the file changes. ``<work>/cycle-asked`` counts the cycles the
playground asked for; ``watch``'s wait between cycles ends when it is past
``<work>/cycle-done``, which each full cycle sets to the count it started from, so the
playground can wait for a cycle that began after its request.

    python -m testkit.playground_clock watch --repo ... --status-page
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WORK_ENV = "GITOPS_BOT_PLAYGROUND"
POLL = 0.2  # seconds between looks at cycle-asked while watch waits


def read_number(path: Path) -> float:
    try:
        return float(path.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0.0


def write_number(path: Path, value: float) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(repr(value))
    tmp.replace(path)  # whole or not at all: the other process reads it at any time


def now(work: Path) -> datetime:
    """The playground's time."""
    return datetime.now(UTC) + timedelta(seconds=read_number(work / "clock"))


def git_dates(work: Path) -> dict[str, str]:
    """git's author and committer dates at the playground's time: the history ``report`` and
    ``history`` read dates each release by its commit, so a commit made after ``wait 1h``
    must say so, as the bot's own clock does."""
    stamp = now(work).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def install_clock(work: Path) -> None:
    from gitops_bot.core import instants
    from gitops_bot.git import gitbatch, gitcli

    instants.system_clock = lambda: now(work)
    completed = gitcli.completed

    def _completed(
        args: list[str], data: bytes | None = None, *, cwd: str, env: dict[str, str] | None = None
    ) -> Any:
        return completed(args, data, cwd=cwd, env={**git_dates(work), **(env or {})})

    # every git command the bot runs goes through gitcli's ``completed``; its commits through
    # gitcli's run (a worktree's commit) or gitbatch's (commit-tree), which holds its own name
    gitcli.completed = _completed
    gitbatch.completed = _completed  # type: ignore[attr-defined]


def install_wakeup(work: Path) -> None:
    from gitops_bot.watch.loop import Watcher

    asked, done = work / "cycle-asked", work / "cycle-done"
    wait, cycle = Watcher._wait, Watcher.cycle

    def _wait(self: Watcher, delay: float) -> None:
        deadline = time.monotonic() + delay
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            if read_number(asked) > read_number(done):
                return
            wait(self, min(POLL, left))  # webhook pushes still run their targeted cycles

    def _cycle(self: Watcher, pushes: Mapping[str | None, Sequence[Any]] | None = None) -> tuple[bool, bool]:
        if pushes is not None:
            return cycle(self, pushes)
        started_for = read_number(asked)
        try:
            return cycle(self, pushes)
        finally:
            write_number(done, started_for)

    Watcher._wait = _wait  # type: ignore[method-assign]
    Watcher.cycle = _cycle  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    work = Path(os.environ[WORK_ENV])
    install_clock(work)
    if argv[:1] == ["watch"]:
        install_wakeup(work)
    from gitops_bot.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
