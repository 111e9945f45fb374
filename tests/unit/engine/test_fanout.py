"""The registry fan-out's chained form: a key's follow-ups are queued on the pool, not asked by
the thread that found them, so the threads (the requests in flight) stay busy while work is
left; answers, per-key progress and errors."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gitops_bot.engine import fanout
from gitops_bot.engine.app import App


def _app(workers: int) -> App:
    return cast(App, SimpleNamespace(declared=SimpleNamespace(workers=workers)))


def test_the_threads_stay_busy_while_work_is_left() -> None:
    """Two threads, three keys of one follow-up each: three rounds of two calls. A thread that
    asked its own key's follow-up would leave the third key's two calls to one thread alone,
    and the barrier, which needs both threads at every call, would break."""
    running = 0
    peak = 0
    lock = threading.Lock()
    rounds = threading.Barrier(2, timeout=2)

    def call(value: Any) -> Any:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            rounds.wait()
            return value
        finally:
            with lock:
                running -= 1

    firsts, seconds = fanout.run_then(
        _app(2), range(3), lambda k: call((k * 10, [f"{k}+"])), lambda j: call(j.upper()), what="t"
    )
    assert peak == 2
    assert firsts == {0: 0, 1: 10, 2: 20}
    assert seconds == {"0+": "0+", "1+": "1+", "2+": "2+"}


@pytest.mark.parametrize("workers", [1, 3])
def test_a_key_counts_done_once_its_follow_ups_are(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    follow = {"a": ["a1"], "b": [], "c": ["c1", "c2"], "d": ["d1"]}
    asked: set[str] = set()
    done: set[str] = set()
    ticks: list[int] = []
    lock = threading.Lock()

    @contextmanager
    def counter(what: str, total: int) -> Iterator[Callable[[], None]]:
        assert (what, total) == ("reading", 4)

        def tick() -> None:
            with lock:
                complete = [k for k in asked if all(j in done for j in follow[k])]
                ticks.append(len(complete))

        yield tick

    monkeypatch.setattr(fanout.progress, "counter", counter)

    def first(k: str) -> tuple[str, list[str]]:
        with lock:
            asked.add(k)
        return k, follow[k]

    def then(j: str) -> str:
        with lock:
            done.add(j)
        return j

    firsts, seconds = fanout.run_then(_app(workers), "abcd", first, then, what="reading")
    assert len(ticks) == 4  # one a key
    assert all(complete >= i + 1 for i, complete in enumerate(ticks))  # never ahead of the work
    assert firsts == {k: k for k in "abcd"}
    assert seconds == {j: j for j in ("a1", "c1", "c2", "d1")}


def test_one_key_runs_in_this_thread() -> None:
    here = threading.get_ident()
    seen: set[int] = set()

    def first(k: str) -> tuple[int, list[str]]:
        seen.add(threading.get_ident())
        return 1, ["x", "y"]

    def then(j: str) -> str:
        seen.add(threading.get_ident())
        return j * 2

    assert fanout.run_then(_app(8), ["k"], first, then, what="t") == ({"k": 1}, {"x": "xx", "y": "yy"})
    assert seen == {here}


def test_no_keys_no_calls() -> None:
    def never(k: Any) -> Any:
        raise AssertionError(k)

    assert fanout.run_then(_app(4), [], never, never, what="t") == ({}, {})


@pytest.mark.parametrize("where", ["first", "then"])
def test_the_first_exception_ends_the_run(where: str) -> None:
    def first(k: int) -> tuple[int, list[int]]:
        if where == "first" and k == 2:
            raise RuntimeError("registry down")
        return k, [k * 10]

    def then(j: int) -> int:
        if where == "then" and j == 20:
            raise RuntimeError("registry down")
        return j

    with pytest.raises(RuntimeError, match="registry down"):
        fanout.run_then(_app(2), range(4), first, then, what="t")


@pytest.mark.parametrize("where", ["first", "then"])
def test_nothing_starts_after_the_first_exception(where: str) -> None:
    """A registry that stops answering mid-run ends it at once: no task starts after the
    failure (one may have been starting on the other thread as it happened), and the failure
    itself is raised, not the refusal of a task that did not start."""
    calls: list[str] = []
    lock = threading.Lock()
    failed_at: list[int] = []

    def step(name: str, fails: bool) -> None:
        with lock:
            calls.append(name)
        time.sleep(0.01)
        if fails:
            with lock:
                failed_at.append(len(calls))  # the calls started before it failed
            raise RuntimeError(f"registry down at {name}")

    def first(k: int) -> tuple[int, list[str]]:
        step(f"first {k}", where == "first" and k == 5)
        return k, [f"then {k}"]

    def then(j: str) -> str:
        step(j, where == "then" and j == "then 0")
        return j

    with pytest.raises(RuntimeError, match="registry down at") as raised:
        fanout.run_then(_app(2), range(40), first, then, what="t")
    assert type(raised.value) is RuntimeError
    assert len(failed_at) == 1
    assert len(calls) - failed_at[0] <= 1, calls[failed_at[0] :]
    # keys are queued a round of threads ahead of the work, not all at once: a follow-up that
    # fails is asked before most of the 40 keys are
    assert sum(c.startswith("first") for c in calls) <= 4 * 2, calls


@pytest.mark.parametrize("keys", [1, 5])
def test_meanwhile_runs_while_the_requests_are_out(keys: int) -> None:
    """The caller's own work runs on its thread while the first requests wait for their
    answers, a single key's included: each request here waits until that work has started,
    and would wait its full timeout if the work came after the fan-out."""
    started = threading.Event()
    here = threading.get_ident()
    ran_on: list[int] = []

    def first(k: int) -> tuple[int, list[int]]:
        assert started.wait(timeout=2), "meanwhile had not started while a request was out"
        return k, [k * 10]

    def meanwhile() -> None:
        ran_on.append(threading.get_ident())
        started.set()

    firsts, seconds = fanout.run_then(_app(2), range(keys), first, lambda j: j, what="t", meanwhile=meanwhile)
    assert firsts == {k: k for k in range(keys)}
    assert seconds == {k * 10: k * 10 for k in range(keys)}
    assert ran_on == [here]


def test_meanwhile_runs_with_no_keys() -> None:
    ran: list[str] = []
    assert fanout.run_then(_app(2), [], _never, _never, what="t", meanwhile=lambda: ran.append("x")) == (
        {},
        {},
    )
    assert ran == ["x"]


def test_a_failure_in_meanwhile_ends_the_run() -> None:
    """A holds file that cannot be read fails the run as it did after the fan-out, but sooner:
    the requests queued behind it are not sent, no follow-up of those already out is asked,
    and its own error is the one raised."""
    calls: list[int] = []
    then_calls: list[int] = []
    release = threading.Event()

    def first(k: int) -> tuple[int, list[int]]:
        calls.append(k)
        release.wait(timeout=2)
        return k, [k * 10]

    def meanwhile() -> None:
        # the requests out answer just after the failure, as a registry would
        threading.Timer(0.05, release.set).start()
        raise ValueError("gitops-bot.holds.yaml: not a mapping")

    with pytest.raises(ValueError, match="not a mapping"):
        fanout.run_then(_app(2), range(40), first, then_calls.append, what="t", meanwhile=meanwhile)
    assert len(calls) <= 2 * 2, calls  # those started before it failed, at most a round queued
    assert then_calls == []


def test_when_a_request_and_meanwhile_both_fail_the_first_failure_is_raised() -> None:
    failed = threading.Event()

    def first(k: int) -> tuple[int, list[int]]:
        if k == 0:
            failed.set()
            raise RuntimeError("registry down")
        return k, []

    def meanwhile() -> None:
        assert failed.wait(timeout=2)
        raise ValueError("gitops-bot.holds.yaml: not a mapping")

    with pytest.raises(RuntimeError, match="registry down"):
        fanout.run_then(_app(1), range(3), first, _never, what="t", meanwhile=meanwhile)


def _never(k: Any) -> Any:
    raise AssertionError(k)


def test_the_tasks_log_with_what_the_caller_bound() -> None:
    """A fleet run binds the repository to its log lines; the lines its registry tasks write
    on the pool's threads carry it too, one key or many, first or follow-up."""
    bound: contextvars.ContextVar[str] = contextvars.ContextVar("bound", default="none")
    seen: list[str] = []
    token = bound.set("acme/one")
    try:

        def first(k: int) -> tuple[int, list[int]]:
            seen.append(bound.get())
            return k, [k * 10]

        def then(j: int) -> int:
            seen.append(bound.get())
            return j

        fanout.run_then(_app(2), [1], first, then, what="t", meanwhile=lambda: None)
        fanout.run_then(_app(2), range(3), first, then, what="t")
        fanout.gather(_app(2), range(3), lambda k: seen.append(bound.get()))
    finally:
        bound.reset(token)
    assert seen == ["acme/one"] * (2 + 6 + 3)


def test_gather_raises_the_first_failure_in_the_keys_order_and_starts_nothing_after_it() -> None:
    started: list[int] = []
    gate = threading.Event()

    def fetch(k: int) -> int:
        started.append(k)
        if k == 0:
            gate.wait(timeout=2)  # fails last in time, first in order
            raise RuntimeError("first key")
        if k == 1:
            try:
                raise RuntimeError("second key")
            finally:
                gate.set()
        time.sleep(0.01)
        return k

    with pytest.raises(RuntimeError, match="first key"):
        fanout.run(_app(2), range(30), fetch, what="t")
    assert len(started) < 30, started
