"""The in-flight window: grows by prompt answers to its ceiling, halves once a round trip on an
overloaded answer, never lets more requests out than its limit."""

from __future__ import annotations

import threading
import time

import pytest

from gitops_bot.net.window import SLACK, SlotTimeout, Window

PROMPT = 0.040


def answered(window: Window, count: int, seconds: float = PROMPT) -> None:
    """``count`` requests out and back, each answered in ``seconds``."""
    tickets = [window.take() for _ in range(count)]
    for ticket in tickets:
        window.give(ticket, seconds)


def test_it_starts_at_start_and_never_above_the_ceiling() -> None:
    assert Window(64, 32).limit == 32
    assert Window(10, 32).limit == 10
    assert Window(4, 0).limit == 1
    with pytest.raises(ValueError):
        Window(0, 1)


def test_a_round_trip_of_prompt_answers_doubles_it_up_to_the_ceiling() -> None:
    window = Window(64, 16)
    answered(window, 16)
    assert window.limit == 32
    answered(window, 32)
    assert window.limit == 64
    answered(window, 64)
    assert window.limit == 64
    assert window.peak == 64


def test_an_overloaded_round_halves_it_once_not_once_an_answer() -> None:
    window = Window(64, 32)
    tickets = [window.take() for _ in range(32)]
    for ticket in tickets:  # every request of the round meets the same 429
        window.give(ticket, PROMPT, overloaded=True)
    assert window.limit == 16
    assert window.cuts == 1
    # a request sent after the halving that meets it again halves it again
    again = window.take()
    window.give(again, PROMPT, overloaded=True)
    assert window.limit == 8
    assert window.cuts == 2


def test_it_never_falls_below_one() -> None:
    window = Window(8, 8)
    for _ in range(10):
        window.give(window.take(), overloaded=True)
    assert window.limit == 1


def test_after_a_halving_it_grows_one_request_a_round_trip() -> None:
    window = Window(64, 32)
    window.give(window.take(), overloaded=True)
    assert window.limit == 16
    answered(window, 16)  # one round trip of the halved window
    assert window.limit == 17
    answered(window, 17)
    assert window.limit == 18


def test_slow_answers_do_not_grow_it() -> None:
    window = Window(64, 8)
    answered(window, 1, PROMPT)
    assert window.limit == 9
    answered(window, 9, 2 * PROMPT + SLACK + 0.001)  # the host queues: more in flight gains nothing
    assert window.limit == 9
    answered(window, 9, 2 * PROMPT + SLACK)
    assert window.limit == 18


def test_an_answer_that_says_nothing_neither_grows_nor_halves_it() -> None:
    window = Window(64, 8)
    for _ in range(8):
        window.give(window.take(), None)
    assert window.limit == 8
    assert window.cuts == 0


def test_take_waits_for_a_slot_and_gives_up_at_the_deadline() -> None:
    window = Window(2, 2)
    first, _second = window.take(), window.take()
    with pytest.raises(SlotTimeout):
        window.take(time.monotonic() + 0.05)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(window.take(time.monotonic() + 5)))
    waiter.start()
    time.sleep(0.05)
    assert not got  # still waiting: both slots are out
    window.give(first, PROMPT)
    waiter.join(5)
    assert got == [3]  # the third request started: the one that timed out never did


def test_a_grown_window_lets_the_waiting_threads_out_at_once() -> None:
    window = Window(8, 2)
    out = [window.take(), window.take()]
    started = threading.Barrier(5)
    waiting = [threading.Thread(target=lambda: (window.take(), started.wait(5))) for _ in range(4)]
    for thread in waiting:
        thread.start()
    time.sleep(0.05)
    for ticket in out:  # two prompt answers: the limit is 4, with none in flight
        window.give(ticket, PROMPT)
    started.wait(5)  # all four got a slot
    for thread in waiting:
        thread.join(5)
    assert window.limit == 4
    assert window.peak == 4


def test_threads_never_have_more_in_flight_than_the_limit() -> None:
    window = Window(16, 4)
    lock = threading.Lock()
    in_flight = 0
    worst = 0

    def worker(index: int) -> None:
        nonlocal in_flight, worst
        for round_ in range(30):
            ticket = window.take(time.monotonic() + 10)
            with lock:
                in_flight += 1
                worst = max(worst, in_flight - window.limit)
            time.sleep(0.0005)
            with lock:
                in_flight -= 1
            window.give(ticket, 0.001, overloaded=(index + round_) % 13 == 0)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert worst <= 0
    assert window.cuts > 0
    assert 1 <= window.limit <= 16


def test_close_ends_every_wait_at_once_and_refuses_later_ones() -> None:
    window = Window(1, 1)
    window.take()
    failed: list[BaseException] = []

    def wait() -> None:
        try:
            window.take()
        except SlotTimeout as exc:
            failed.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    window.close()
    waiter.join(5)
    assert len(failed) == 1
    with pytest.raises(SlotTimeout):
        window.take()


def test_restart_begins_again_as_a_new_run_does() -> None:
    window = Window(64, 32)
    for _ in range(5):
        window.give(window.take(), overloaded=True)
    assert window.limit == 1
    window.restart()
    assert window.limit == 32
    answered(window, 32)
    assert window.limit == 64


def test_one_quick_answer_is_forgotten_a_window_of_answers_later() -> None:
    window = Window(64, 4)
    answered(window, 1, 0.001)  # a cached 404: 1 ms
    assert window.limit == 5
    answered(window, 5, PROMPT)  # twice 1 ms: too slow to grow on, for now
    assert window.limit == 5
    answered(window, 5, PROMPT)  # the quick one has left the last two windows of answers
    assert window.limit > 5
