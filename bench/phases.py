"""Time spent per phase of an in-process run, by wrapping the methods of the classes each
phase lives in (the outermost call counts, so a phase calling another is not counted twice)."""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


class Phases:
    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._local = threading.local()

    def patch(self, cls: object, phase: str, names: list[str] | None = None) -> None:
        """Time every public method of ``cls`` (or ``names``, private ones allowed) as ``phase``."""
        for name, fn in list(vars(cls).items()):
            wanted = name in names if names is not None else not name.startswith("_")
            if wanted and inspect.isfunction(fn):
                setattr(cls, name, self._timed(fn, phase))

    def _timed(self, fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._local, "inside", False):
                return fn(*args, **kwargs)
            self._local.inside = True
            t0 = time.monotonic()
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.inside = False
                self.seconds[phase] += time.monotonic() - t0
                self.calls[phase] += 1

        return wrapper

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def line(self, wall: float) -> str:
        parts = [f"{p} {s:.2f} s ({self.calls[p]} calls)" for p, s in sorted(self.seconds.items())]
        rest = wall - sum(self.seconds.values())
        return ", ".join(parts) + f", other {rest:.2f} s"
