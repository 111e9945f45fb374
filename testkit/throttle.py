"""A registry front that serves at most ``capacity`` requests at once and answers 429 past it,
as a registry's rate-limiting front does (Docker Hub's and GHCR's 429 with ``Retry-After``,
nginx's ``limit_conn`` before a Harbor): the real registry behind it, each admitted request held
``hold`` seconds first so that requests overlap as they do at a real round-trip time.

It counts what a client's politeness is judged by: the most requests it had in flight at once
(:attr:`peak`, admitted or not, and :meth:`peak_after` a moment), and the 429s it earned
(:attr:`refused`, each at its time in :attr:`refusals`)."""

from __future__ import annotations

import threading
import time

from testkit.relay import Answer, Relay


class ThrottlingRelay(Relay):
    def __init__(self, upstream: str, capacity: int, *, hold: float = 0.02, retry_after: str = "1") -> None:
        super().__init__(upstream)
        self.capacity = capacity
        self.hold = hold
        self.retry_after = retry_after
        self.peak = 0
        self.refused = 0
        self.served = 0
        self.refusals: list[float] = []  # when (monotonic)
        self._arrivals: list[tuple[float, int]] = []  # (when, requests in flight with it)
        self._in_flight = 0
        self._lock = threading.Lock()

    def _forward(self, command: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            self._arrivals.append((time.monotonic(), self._in_flight))
            admitted = self._in_flight <= self.capacity
            if not admitted:
                self.refused += 1
                self.refusals.append(time.monotonic())
        try:
            if not admitted:
                return 429, b'{"errors":[{"code":"TOOMANYREQUESTS"}]}', {"Retry-After": self.retry_after}
            time.sleep(self.hold)
            answer = super()._forward(command, path, headers, body)
            with self._lock:
                self.served += 1
            return answer
        finally:
            with self._lock:
                self._in_flight -= 1

    def peak_after(self, moment: float) -> int:
        """The most requests in flight at once among those that arrived after ``moment``."""
        with self._lock:
            return max((n for when, n in self._arrivals if when > moment), default=0)
