"""SIGTERM stops ``watch`` in time whichever thread of the process the kernel hands it to."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from gitops_bot.watch.loop import Watcher


@pytest.fixture
def handlers() -> Iterator[None]:
    """The process's own handlers back after the test (the watcher installs its own)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def test_a_sigterm_handed_to_another_thread_ends_a_cycle_blocked_in_a_read(handlers: None) -> None:
    """The cycle waits on a read only an abort ends (a registry that hangs); the signal goes to
    a bystander thread, as the kernel may hand it. Its handler (which aborts the read) runs on
    the main thread, so the main thread must not be the one blocked in the read."""
    reading, aborted = threading.Event(), threading.Event()

    class Hanging:
        config = None

        def run(self, envs: Sequence[str] | None, should_stop: Any) -> list[object]:
            reading.set()
            aborted.wait(30)
            return []

        def abort(self) -> None:
            aborted.set()

    watcher = Watcher(Hanging, interval=60)
    watcher.install_signal_handlers()

    def bystander() -> None:
        reading.wait(10)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    threading.Thread(target=bystander, name="bystander").start()
    started = time.monotonic()
    assert watcher.run() == 0
    took = time.monotonic() - started
    assert watcher.stop.is_set() and aborted.is_set() and watcher.cycles == 1
    assert took < 10, f"the handler ran {took:.1f} s late: when the read ended, not at the signal"
