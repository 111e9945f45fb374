"""Time spent per phase of an in-process run, by wrapping the methods of the classes each
phase lives in (the outermost call counts, so a phase calling another is not counted twice)."""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from types import ModuleType
from typing import Any


class Phases:
    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        # "phase name" -> seconds, for :meth:`detail`
        self.by_name: defaultdict[str, float] = defaultdict(float)
        self.name_calls: Counter[str] = Counter()
        self._local = threading.local()

    def patch(self, owner: object, phase: str, names: list[str] | None = None) -> None:
        """Time every public method of a class, or public function of a module, (or ``names``,
        private ones allowed) as ``phase``. A module's functions are timed when called through
        the module (``gitbatch.push(...)``) or by their own module."""
        for name, fn in list(vars(owner).items()):
            wanted = name in names if names is not None else not name.startswith("_")
            if isinstance(owner, ModuleType) and getattr(fn, "__module__", None) != owner.__name__:
                continue  # imported names are their own module's
            if wanted and inspect.isfunction(fn):
                setattr(owner, name, self._timed(fn, phase))

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
                spent = time.monotonic() - t0
                self.seconds[phase] += spent
                self.calls[phase] += 1
                self.by_name[f"{phase} {fn.__name__}"] += spent
                self.name_calls[f"{phase} {fn.__name__}"] += 1

        return wrapper

    def reset(self) -> None:
        for counter in (self.seconds, self.calls, self.by_name, self.name_calls):
            counter.clear()

    def detail(self, phase: str, top: int = 8) -> str:
        """The ``top`` most expensive calls of ``phase``, by function."""
        parts = [
            f"{key.split(' ', 1)[1]} {s:.2f} s ({self.name_calls[key]})"
            for key, s in sorted(self.by_name.items(), key=lambda kv: -kv[1])
            if key.startswith(phase + " ")
        ]
        return f"{phase}: " + ", ".join(parts[:top])

    def line(self, wall: float) -> str:
        parts = [f"{p} {s:.2f} s ({self.calls[p]} calls)" for p, s in sorted(self.seconds.items())]
        rest = wall - sum(self.seconds.values())
        return ", ".join(parts) + f", other {rest:.2f} s"
