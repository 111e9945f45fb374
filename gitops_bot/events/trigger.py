"""Debouncing: pushes arrive in bursts (a CI job pushes five images, a registry reports a tag
and its platforms); the watcher runs one targeted cycle for the whole burst, after
``debounce`` seconds without a new push (or at most ``MAX_DELAY_FACTOR`` times that after the
first one, so a steady trickle cannot postpone it forever). Pushes are kept per repository they
were accepted for (``watch`` over many GitOps repositories runs the burst in those only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from gitops_bot.events.payloads import Push

MAX_DELAY_FACTOR = 4
POLL = 0.2  # seconds: how often a waiting watcher looks at its stop flag


class Trigger:
    def __init__(self, debounce: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.debounce = debounce
        self.clock = clock
        self._cond = threading.Condition()
        # the latest push per image repository (and GitOps repository it is for): the cycle
        # plans repositories (the policy picks the tag), so this stays as small as the set of
        # configured ones
        self._pending: dict[tuple[str | None, str], Push] = {}
        self._first = self._last = 0.0

    def add(self, pushes: Iterable[Push], repository: str | None = None) -> None:
        """Pushes for ``repository`` (a GitOps repository's URL; None: the only one)."""
        with self._cond:
            now = self.clock()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.update(((repository, p.location), p) for p in pushes)
            self._cond.notify_all()

    def clear(self) -> None:
        """A full cycle is starting: it covers every push so far."""
        with self._cond:
            self._pending.clear()

    def ready_at(self) -> float | None:
        if not self._pending:
            return None
        return min(self._last + self.debounce, self._first + self.debounce * MAX_DELAY_FACTOR)

    def wait(self, deadline: float, stop: threading.Event) -> list[Push] | None:
        """Block until a burst is ready (return its pushes) or until the monotonic
        ``deadline`` passes or ``stop`` is set (return None)."""
        burst = self.wait_routed(deadline, stop)
        return None if burst is None else list({p.location: p for ps in burst.values() for p in ps}.values())

    def wait_routed(self, deadline: float, stop: threading.Event) -> dict[str | None, list[Push]] | None:
        """:meth:`wait`, the burst's pushes by the repository they were added for."""
        with self._cond:
            while not stop.is_set():
                now = self.clock()
                ready = self.ready_at()
                if ready is not None and now >= ready:
                    burst: dict[str | None, list[Push]] = {}
                    for (repository, _), push in self._pending.items():
                        burst.setdefault(repository, []).append(push)
                    self._pending.clear()
                    return burst
                if now >= deadline:
                    return None
                self._cond.wait(min(POLL, deadline - now, (ready - now) if ready is not None else POLL))
        return None
