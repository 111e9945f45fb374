"""Requests in flight to one host: a window that grows while the host answers promptly and
halves when it says it is overloaded, as TCP's congestion window does (additive increase,
multiplicative decrease).

A fixed number is either slow against a registry that has room or hard on one that has none:
at a real round-trip time a run's speed is requests in flight ÷ round trip, and a registry that
rate-limits answers 429 to every request past its share, which a fixed window keeps sending
until their retries run out. The window starts at ``start`` (never above ``ceiling``), gains one
request for every prompt answer (doubling each round trip, TCP's slow start) up to ``ceiling``,
and is halved, once a round trip, by an answer that says the host is overloaded (408, 429, 502,
503, 504, a request timing out, a connection reset mid-exchange; never a host not reached at all, see
:mod:`.reach`); after a halving it grows by one request a round
trip. An answer that took more than twice the fastest the host gave in the last window or two of
answers (plus :data:`SLACK`) does not grow it: a host that queues does not gain by more
requests in flight, so the window stays where it is. (The fastest is forgotten a window of
answers later: one quick answer, a cached 404, must not make every later one look slow.)
"""

from __future__ import annotations

import math
import threading
import time

# seconds added to twice the fastest answer before an answer counts as slow: a loopback or LAN
# registry answers in a millisecond or two, where the scheduler's own jitter is as large
SLACK = 0.010
OVERLOAD_STATUSES = frozenset({408, 429, 502, 503, 504})


class SlotTimeout(Exception):
    """No request slot came free before the caller's deadline, or the window was closed."""


class Window:
    """At most :attr:`limit` requests in flight at once; see the module's docstring."""

    def __init__(self, ceiling: int, start: int) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be at least 1")
        self.ceiling = ceiling
        self.start = min(ceiling, max(1, start))
        self._changed = threading.Condition(threading.Lock())
        self._in_flight = 0
        self._sent = 0  # requests started: a sequence number for each
        self._closed = False
        self._begin()

    def _begin(self) -> None:
        self.peak = 0  # the most requests in flight at once, this run
        self.cuts = 0  # halvings, this run
        self._limit = self.start
        self._threshold = self.ceiling  # below it, slow start: +1 an answer
        self._credit = 0  # above it, prompt answers since the last step: +1 a window of them
        self._cut_after = self._sent  # a halving counts only for requests started after the last one
        self._fastest = math.inf  # of the answers counted so far in this window of answers ...
        self._fastest_before = math.inf  # ... and in the one before
        self._counted = 0

    def restart(self) -> None:
        """A new run on the same host (``watch``'s next cycle): start again as a run does, so
        a long-lived process behaves as one started by cron."""
        with self._changed:
            self._begin()
            self._changed.notify_all()

    def close(self) -> None:
        """Stop: every wait for a slot, now or later, raises :class:`SlotTimeout` at once."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def limit(self) -> int:
        return self._limit

    def take(self, deadline: float | None = None) -> int:
        """Wait for a slot (until ``deadline``, monotonic, if given: then :class:`SlotTimeout`)
        and return the request's sequence number for :meth:`give`."""
        with self._changed:
            while self._in_flight >= self._limit or self._closed:
                if self._closed:
                    raise SlotTimeout("stopped")
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise SlotTimeout("no request slot came free in time")
                self._changed.wait(left)
            self._in_flight += 1
            self._sent += 1
            if self._in_flight > self.peak:
                self.peak = self._in_flight
            return self._sent

    def give(self, ticket: int, seconds: float | None = None, *, overloaded: bool = False) -> bool:
        """The slot of request ``ticket`` back: answered in ``seconds`` (None: no answer that
        says anything of the host, such as a refused certificate), or ``overloaded``. True when
        that halved the window."""
        cut = False
        with self._changed:
            self._in_flight -= 1
            if overloaded:
                # every request of the window sent before the halving meets the same overload:
                # their answers say nothing new, so one halving a round trip
                if ticket > self._cut_after:
                    self._limit = max(1, self._limit // 2)
                    self._threshold = self._limit
                    self._credit = 0
                    self._cut_after = self._sent
                    self.cuts += 1
                    cut = True
            elif seconds is not None:
                if seconds < self._fastest:
                    self._fastest = seconds
                self._counted += 1
                fastest = min(self._fastest, self._fastest_before)
                if self._counted >= self._limit:
                    self._fastest_before, self._fastest, self._counted = self._fastest, math.inf, 0
                if self._limit < self.ceiling and seconds <= 2 * fastest + SLACK:
                    if self._limit < self._threshold:
                        self._limit += 1
                    else:
                        self._credit += 1
                        if self._credit >= self._limit:
                            self._limit += 1
                            self._credit = 0
            free = self._limit - self._in_flight
            if free > 0:
                self._changed.notify(free)
        return cut
