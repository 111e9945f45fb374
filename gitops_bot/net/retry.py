"""THE retry policy of every outbound call (registries, forges, Argo CD, notifications).

What is retried: 408, 425, 429 and 5xx answers, timeouts and failed connections (the caller raises
:class:`Retryable` for those); nothing else. Waits double from ``initial_wait``; a
``Retry-After`` (seconds or HTTP date) replaces the wait but never beyond ``max_wait``; no
attempt starts with less than ``least`` seconds left before the call's deadline (its certain
"timed out" would hide the real reason). A small loop of our own rather than tenacity: it
needs the deadline, the bounded Retry-After and the abort flag in one place, and the happy
path builds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from gitops_bot.core.instants import retry_after_seconds
from gitops_bot.core.record import record

if TYPE_CHECKING:
    from gitops_bot.net.transport import Reply

T = TypeVar("T")
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def retryable_status(status: int) -> bool:
    """Worth asking again: rate-limited or a server-side failure."""
    return status in RETRY_STATUSES or status >= 500


def retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header's wait in seconds (None when absent or unreadable)."""
    return retry_after_seconds(value or "", time.time())


def raise_if_retryable(reply: Reply) -> None:
    """Raise :class:`Retryable` (with the answer's ``Retry-After``) when ``reply`` is worth
    asking again; the one place a caller turns an answer's status into a retry."""
    if retryable_status(reply.status):
        raise Retryable(f"HTTP {reply.status}", retry_after(reply.header("Retry-After")))


@record
class RetryPolicy:
    """How many attempts an outbound call makes, and the waits between them."""

    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 30.0  # a Retry-After beyond this is capped, not obeyed

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait)
        return min(self.initial_wait * 2.0 ** (attempt - 1), self.max_wait)


class Retryable(Exception):
    """An attempt failed in a way worth repeating (``what`` says how, for the final error;
    ``unreached``: the host was not reached, and this is what to check)."""

    def __init__(self, what: str, retry_after: float | None = None, *, unreached: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after
        self.unreached = unreached


class GaveUp(Exception):
    """Every attempt failed (or the deadline or an abort stopped them); ``unreached`` as the
    last attempt's."""

    def __init__(self, what: str, attempts: int, unreached: str | None = None) -> None:
        super().__init__(f"{what} (after {attempts} attempts)")
        self.what = what
        self.attempts = attempts
        self.unreached = unreached


def call(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    deadline: float | Callable[[], float] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    stopped: Callable[[], bool] = lambda: False,
    least: float = 0.25,
) -> T:
    """``attempt()`` until it returns, retrying on :class:`Retryable` per ``policy`` within
    ``deadline`` (monotonic; or a function giving it, for a deadline that moves while an attempt
    waits on the caller's own pacing); :class:`GaveUp` when the attempts, the time or
    ``stopped()`` end it."""
    n = 0
    while True:
        n += 1
        try:
            return attempt()
        except Retryable as exc:
            due = deadline() if callable(deadline) else deadline
            rest = None if due is None else due - time.monotonic()
            if n >= policy.attempts or stopped() or (rest is not None and rest <= least):
                raise GaveUp(exc.what, n, exc.unreached) from None
            wait = policy.wait(n, exc.retry_after)
            if rest is not None:
                wait = min(wait, max(rest - least, 0.0))
            sleep(float(wait))
