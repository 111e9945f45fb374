"""The one clock the bot's time-based decisions read (deployment windows, freezes). Tests set
it with :func:`frozen_at`; nothing else reads the wall clock for a decision. Imports nothing of
ours."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def _system() -> datetime:
    return datetime.now(UTC)


_clock: Clock = _system


def now() -> datetime:
    """The current instant, timezone-aware."""
    return _clock()


@contextmanager
def frozen_at(clock: Clock | datetime) -> Iterator[None]:
    """Decisions inside see ``clock`` (a fixed instant, or a callable) as now."""
    global _clock
    before = _clock
    _clock = clock if callable(clock) else (lambda: clock)
    try:
        yield
    finally:
        _clock = before
