"""Progress of long work (cloning, reading hundreds of repositories) as one line on a terminal,
rewritten in place and cleared when done. Silent unless the CLI enables it: not in JSON log
mode, not when stderr is a pipe or a file, never in ``watch``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from gitops_bot.core.log import redact

_state: dict[str, TextIO | None] = {"stream": None}
_lock = threading.Lock()
MIN_ITEMS = 2  # a single request needs no counter


def configure(stream: TextIO | None) -> None:
    """``stream``: where to draw (a terminal), or None for silence."""
    _state["stream"] = stream


def enabled_for(fmt: str, stream: TextIO) -> TextIO | None:
    """The stream to draw on for this log format: a terminal with console logs, else None."""
    return stream if fmt == "console" and stream.isatty() else None


def _draw(text: str) -> None:
    stream = _state["stream"]
    if stream is not None:
        with _lock:
            stream.write("\r\033[K" + redact(text))  # a URL in the line may carry a secret
            stream.flush()


@contextmanager
def counter(what: str, total: int) -> Iterator[Callable[[], None]]:
    """``with counter("reading tags", n) as tick:`` then ``tick()`` per finished item."""
    if _state["stream"] is None or total < MIN_ITEMS:
        yield lambda: None
        return
    done = [0]

    def tick() -> None:
        done[0] += 1
        _draw(f"{what} {done[0]}/{total}")

    _draw(f"{what} 0/{total}")
    try:
        yield tick
    finally:
        _draw("")


@contextmanager
def status(text: str) -> Iterator[None]:
    """One line while a single long step runs (a clone)."""
    _draw(text + " ...")
    try:
        yield
    finally:
        _draw("")
