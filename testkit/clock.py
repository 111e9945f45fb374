"""A module's clock moved ahead by the test, instead of the test sleeping until it has.

A token kept until it expires, a cache entry's age: what a test means is the module's reading of
the time *after* it passed, not the second spent waiting for it. :func:`later` gives the named
modules a ``time`` of their own that reads the real clock plus what the test advanced it by
(:meth:`Later.advance`); everything else in the process (deadlines, sockets, the other
modules) keeps the real one.
"""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import pytest


class Later:
    """``time`` as a module imports it, ``ahead`` seconds later on its wall and monotonic clocks."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def advance(self, seconds: float) -> None:
        self.ahead += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead

    def time(self) -> float:
        return time.time() + self.ahead

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def later(monkeypatch: pytest.MonkeyPatch, *modules: ModuleType) -> Later:
    """One clock, read by each of ``modules`` as its ``time`` (each must ``import time``)."""
    clock = Later()
    for module in modules:
        assert getattr(module, "time", None) is time, f"{module.__name__} does not read time as `time`"
        monkeypatch.setattr(module, "time", clock)
    return clock
