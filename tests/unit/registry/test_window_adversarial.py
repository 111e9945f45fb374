"""Adversarial tests of the in-flight window (net/window.py) as registry requests use it
(registry/retrying.py ``Requests._send_once``): slots given back on every exit, the deadline a
waiting request spends, abort while requests wait for a slot, and a long-lived pool's window
(``watch`` over a fleet keeps one pool, and so one window a host, for the process's life).

Fake transports only (httpx.MockTransport): no network."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import (
    RegistryAccessError,
    RegistryProtocolError,
    RegistryUnavailable,
)
from gitops_bot.net.window import SLACK, Window
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.retrying import START_IN_FLIGHT

HOST = "reg.example"
TAGS = "/v2/acme/app/tags/list"


def tags_answer(*names: str) -> httpx.Response:
    return httpx.Response(
        200,
        content=json.dumps({"name": "acme/app", "tags": list(names) or ["1.0.0"]}).encode(),
        headers={"Content-Type": "application/json"},
    )


def make(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    max_concurrency: int = 8,
    timeout: float = 30.0,
    attempts: int = 3,
    sleep: Callable[[float], None] | None = None,
) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host=HOST, max_concurrency=max_concurrency, timeout=timeout),
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(attempts=attempts, initial_wait=0.01, max_wait=0.05),
        sleep=sleep or (lambda _s: None),
    )


def honouring_timeout(latency: float) -> Callable[[httpx.Request], httpx.Response]:
    """A registry that answers in ``latency`` seconds, or times out as a real transport does
    when the request's read timeout is shorter than that."""

    def handler(request: httpx.Request) -> httpx.Response:
        read = request.extensions["timeout"]["read"]
        if read < latency:
            time.sleep(read)
            raise httpx.ReadTimeout("timed out", request=request)
        time.sleep(latency)
        return tags_answer()

    return handler


# -- slots come back on every exit ---------------------------------------------------------


class Boom(BaseException):
    """Not an Exception: as KeyboardInterrupt or SystemExit would travel."""


def _raises(exc: BaseException) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def _cert_error(request: httpx.Request) -> httpx.Response:
    try:
        raise ssl.SSLCertVerificationError(1, "certificate verify failed: CERTIFICATE_VERIFY_FAILED")
    except ssl.SSLCertVerificationError as cause:
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request) from cause


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (lambda r: httpx.Response(404, content=b"{}"), RegistryAccessError),
        (lambda r: httpx.Response(401, content=b"{}"), RegistryAccessError),
        (lambda r: httpx.Response(200, content=b"not json"), RegistryProtocolError),
        (lambda r: httpx.Response(200, content=b"x" * (9 << 20)), RegistryProtocolError),  # too large
        (lambda r: httpx.Response(429, content=b"{}"), RegistryUnavailable),
        (lambda r: httpx.Response(503, content=b"{}"), RegistryUnavailable),
        (_raises(httpx.ConnectError("refused")), RegistryUnavailable),
        (_raises(httpx.ReadTimeout("slow")), RegistryUnavailable),
        (_raises(httpx.TooManyRedirects("loop")), RegistryProtocolError),
        (_raises(httpx.LocalProtocolError("bad")), RegistryProtocolError),
        (_cert_error, RegistryUnavailable),
        (_raises(Boom()), Boom),
        (_raises(KeyboardInterrupt()), KeyboardInterrupt),
        (_raises(RuntimeError("bug")), RuntimeError),
    ],
    ids=[
        "404",
        "401",
        "bad-json",
        "too-large",
        "429",
        "503",
        "refused",
        "timeout",
        "redirects",
        "protocol",
        "tls-cert",
        "base-exception",
        "keyboard-interrupt",
        "runtime-error",
    ],
)
def test_every_exit_gives_its_slot_back(
    handler: Callable[[httpx.Request], httpx.Response], error: type
) -> None:
    client = make(handler, max_concurrency=1)
    for _ in range(3):  # with a leaked slot the second call would wait for the deadline
        started = time.monotonic()
        with pytest.raises(error):
            client.list_tags("acme/app")
        assert time.monotonic() - started < 2.0
    assert client.window._in_flight == 0


def test_an_auth_round_trip_is_one_slot() -> None:
    """401 -> token -> retry ride in one slot (a window of 1 must not deadlock on its token)."""

    def registry(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"token": "t0k"})
        if request.headers.get("Authorization") != "Bearer t0k":
            return httpx.Response(
                401,
                content=b"{}",
                headers={"WWW-Authenticate": f'Bearer realm="http://{HOST}/token",service="{HOST}"'},
            )
        return tags_answer()

    client = RegistryClient(
        RegistryConfig(host=HOST, max_concurrency=1, timeout=2.0, tls=False, insecure=True),
        transport=httpx.MockTransport(registry),
        retry=RetryPolicy(attempts=1),
    )
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert client.window.peak == 1 and client.window._in_flight == 0


def test_a_ceiling_of_one_never_goes_to_zero_nor_above_one() -> None:
    window = Window(1, START_IN_FLIGHT)
    for overloaded in (True, False, True, False):
        window.give(window.take(), 0.001, overloaded=overloaded)
    assert window.limit == 1 and window.peak == 1


# -- the deadline a request spends waiting for its slot ----------------------------------------


def test_a_request_that_waited_for_its_slot_past_its_deadline_keeps_its_whole_time() -> None:
    """The wait for a slot of the host's window is the bot's own pacing, not the registry's
    time: a request that got its slot after its operation's deadline had passed is still sent
    with its whole timeout, and answered, where counting the wait sent it with a few
    milliseconds and reported its certain time-out as the registry's."""
    sent: list[float] = []
    latency = honouring_timeout(0.08)  # the registry answers in 80 ms

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"]["read"])
        return latency(request)

    client = make(handler, max_concurrency=2, timeout=0.4)  # deadline 0.6 s
    held = [client.window.take(), client.window.take()]  # two other requests in flight...
    # ...that answer after this request's operation deadline has passed
    timer = threading.Timer(0.7, lambda: [client.window.give(t, 0.08) for t in held])
    timer.start()
    try:
        assert client.list_tags("acme/app") == ["1.0.0"]
    finally:
        timer.join()
    assert sent and all(t >= 0.35 for t in sent), f"sent with {sent} s left"
    assert client.window.cuts == 0


def test_a_timeout_our_own_deadline_imposed_does_not_halve_the_window() -> None:
    """An answer cut short by the operation's deadline (a request that waited for its slot, or
    the last page of a tag list) says nothing about the registry's load: the registry answers
    every request in 20 ms. Yet the window is halved, and each such request (sent after the last
    halving) halves it again: a queue near its deadline collapses the window, which lengthens
    the queue."""
    client = make(honouring_timeout(0.02), max_concurrency=8, timeout=30.0)
    assert client.window.limit == 8
    for _ in range(3):  # three operations whose deadline nearly ran out before their request
        with pytest.raises(RegistryUnavailable):
            client._request("GET", TAGS, "acme/app", time.monotonic() + 0.005, 1 << 20)
    assert client.window.cuts == 0, f"halved {client.window.cuts} times, now {client.window.limit}"
    assert client.window.limit == 8


def test_queued_requests_near_their_deadline_collapse_the_window() -> None:
    """The feedback loop end to end: more threads than slots, a registry that answers every
    request in 30 ms and never says it is overloaded. The requests that waited longest in the
    queue are sent with their deadline's crumbs, time out, and each halves the window."""
    client = make(honouring_timeout(0.03), max_concurrency=4, timeout=0.3, attempts=1)  # deadline 0.45 s
    results: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            client.list_tags("acme/app")
            outcome = "ok"
        except RegistryUnavailable as exc:
            outcome = str(exc)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(80)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert client.window.cuts == 0, (
        f"a registry that never said 'overloaded' halved the window {client.window.cuts} times "
        f"(now {client.window.limit}); outcomes: {sorted(set(results))}"
    )


# -- abort while requests wait for a slot ---------------------------------------------------------


def test_abort_ends_the_requests_waiting_for_a_slot_at_once_and_sends_none_of_them() -> None:
    """SIGTERM: "in-flight requests end, no retry or new request starts". A request waiting in
    ``Window.take`` is not woken by abort(); it waits for a slot (up to its deadline, 45 s by
    default), and when it gets one it is sent (``_send_once`` does not look at the abort flag
    after the slot). Only a transport whose abort also ends the calls in flight frees it."""
    release = threading.Event()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        release.wait(10)  # an in-flight request a MockTransport does not end on abort
        return tags_answer()

    client = make(handler, max_concurrency=1, timeout=4.0)  # a waiter's deadline: 6 s
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            client.list_tags("acme/app")
        except BaseException as exc:
            outcome["first"] = exc

    def second() -> None:
        started = time.monotonic()
        try:
            client.list_tags("acme/other")
            outcome["second"] = "answered"
        except RegistryUnavailable as exc:
            outcome["second"] = exc
        outcome["second-seconds"] = time.monotonic() - started

    a = threading.Thread(target=first)
    a.start()
    while not seen:
        time.sleep(0.005)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.1)  # b waits for the slot a holds
    client.abort()
    b.join(1.0)
    waited_out = b.is_alive()
    release.set()  # a's answer comes back; its slot goes to b
    a.join(5)
    b.join(10)
    assert not waited_out, "a request waiting for a slot was not ended by abort()"
    assert seen == ["/v2/acme/app/tags/list"], f"requests sent after abort: {seen[1:]}"
    assert isinstance(outcome.get("second"), RegistryUnavailable)


def test_abort_with_the_real_transport_frees_waiters_through_the_in_flight_calls() -> None:
    """Pins why the production path does not hang: Transport.abort ends the call in flight, its
    slot comes back, and the waiter's send fails at once on the aborted transport."""
    from http.server import BaseHTTPRequestHandler

    from testkit.loopback import LoopbackHTTPServer

    seen: list[str] = []

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            time.sleep(2)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = LoopbackHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = RegistryClient(
            RegistryConfig(host=f"127.0.0.1:{server.server_address[1]}", max_concurrency=1, timeout=4.0),
            retry=RetryPolicy(attempts=1),
        )
        errors: list[BaseException] = []

        def run(repo: str) -> None:
            try:
                client.list_tags(repo)
            except RegistryUnavailable as exc:
                errors.append(exc)

        a = threading.Thread(target=run, args=("acme/app",))
        a.start()
        time.sleep(0.2)
        b = threading.Thread(target=run, args=("acme/other",))
        b.start()
        time.sleep(0.2)
        client.abort()
        a.join(1)
        b.join(1)
        assert not a.is_alive() and not b.is_alive()
        assert len(errors) == 2 and all("stopping" in str(e) for e in errors)
        assert len(seen) == 1
        assert client.window._in_flight == 0
        client.close()
    finally:
        server.shutdown()
        server.server_close()


# -- a long-lived pool: watch over a fleet ----------------------------------------------------------


def test_a_watch_cycle_after_an_outage_does_not_stay_at_a_window_of_one() -> None:
    """``watch`` over a fleet keeps one RegistryPool for the process's life and ``forget()``
    between cycles keeps the clients, so a host's window lives across cycles. A registry
    outage (503 to every request for a cycle) halves the window to 1 and its slow-start
    threshold with it; once the registry is back, the window grows one request per window of
    prompt answers: 1 + 2 + ... + 31 = 496 answers to come back to the 32 a run used to start
    at (2,016 to reach 64), i.e. many cycles run at a handful of requests in flight. TCP keeps
    ssthresh at half the window *before* the loss (and restarts an idle connection), so it
    slow-starts back; here the threshold falls with the window and never comes back up."""
    down = threading.Event()
    down.set()

    def registry(request: httpx.Request) -> httpx.Response:
        if down.is_set():  # overloaded, answering: a refused connection never halves the window
            return httpx.Response(503)
        return tags_answer()

    pool = RegistryPool(
        transport_factory=lambda cfg: httpx.MockTransport(registry),
        retry=RetryPolicy(attempts=8, initial_wait=0.0, max_wait=0.0),
    )
    client = pool.client(HOST)
    with pytest.raises(RegistryUnavailable):  # the outage cycle: every attempt answered 503
        client.list_tags("acme/app")
    assert client.window.limit == 1  # 32 -> 16 -> 8 -> 4 -> 2 -> 1: one halving an overloaded answer

    down.clear()  # the registry is back; a few cycles of 60 images, one request each
    for _cycle in range(3):
        pool.forget()
        for _ in range(60):
            client.list_tags("acme/app")
    assert client.window.limit >= START_IN_FLIGHT, (
        f"after 180 prompt answers over 3 cycles the window is {client.window.limit} "
        f"(it started at {START_IN_FLIGHT}, the old fixed limit was 32)"
    )


def test_one_fast_answer_long_ago_does_not_freeze_the_window_for_the_process_life() -> None:
    """``_fastest`` is the fastest answer ever, never aged: one 1 ms answer (a 404 from the
    registry's negative cache, a HEAD served by a CDN edge, a cycle when the registry sat in
    the same zone) makes every later answer at the registry's ordinary 25 ms round trip "slow"
    (> 2 x 1 ms + 10 ms), so after any halving the window never grows again in a long watch."""
    window = Window(64, 32)
    window.give(window.take(), 0.001)  # once, long ago
    window.give(window.take(), overloaded=True)  # one 429
    halved = window.limit
    for _ in range(2000):  # hours of a watch, every answer prompt at the registry's own RTT
        window.give(window.take(), 0.025)
    assert 2 * 0.001 + SLACK < 0.025
    assert window.limit > halved, f"the window stayed at {halved} through 2,000 prompt answers"


def test_an_operation_on_a_hung_registry_ends_by_its_hard_deadline_whatever_the_threads() -> None:
    """A registry that stopped answering: each wave of time-outs halves the window down to one
    request, and the plan's 64 threads (App.workers for one host) queue behind it. The wait for
    a slot moves an operation's deadline, but never past 3 timeouts: the run ends in about a
    minute and a half at the default timeout, not after 64 timeouts one after another."""

    def hung(request: httpx.Request) -> httpx.Response:
        time.sleep(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("hung", request=request)

    client = RegistryClient(
        RegistryConfig(host=HOST, timeout=0.2), transport=httpx.MockTransport(hung), retry=RetryPolicy()
    )
    longest: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        t0 = time.monotonic()
        with pytest.raises(RegistryUnavailable):
            client.list_tags(f"acme/r{i}")
        with lock:
            longest.append(time.monotonic() - t0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(longest) == 64
    assert max(longest) < 3 * 0.2 + 0.3, (max(longest), client.window.limit)


def test_a_kept_alive_connection_the_server_closed_does_not_halve_the_window() -> None:
    """A watch cycle's first request on a connection the registry closed while idle fails with
    "server disconnected": retried, and no sign of overload."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return tags_answer()

    client = make(handler)
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert client.window.cuts == 0


# -- requests_per_second ----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1e-6, 0.1])
def test_a_spaced_request_ends_by_its_deadline_or_at_abort_never_sleeps_past_them(rate: float) -> None:
    """requests_per_second spaces request starts 1/rate apart: at 1e-6 a second the next start is
    days ahead, past the operation's deadline, and is refused at once (the plan slept for it past
    every deadline and SIGTERM); at 0.1 it waits 10 s, within its deadline, until abort() ends it."""
    client = RegistryClient(
        RegistryConfig(host=HOST, timeout=5.0, requests_per_second=rate),
        transport=httpx.MockTransport(lambda _r: tags_answer()),
        retry=RetryPolicy(attempts=1),
    )
    client.list_tags("acme/app")  # the first start is now
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            outcome["tags"] = client.list_tags("acme/other")
        except RegistryUnavailable as exc:
            outcome["error"] = str(exc)

    waiter = threading.Thread(target=second, daemon=True)
    started = time.monotonic()
    waiter.start()
    if rate == 0.1:
        time.sleep(0.2)
        client.abort()
    waiter.join(3)
    assert not waiter.is_alive(), f"still asleep after {time.monotonic() - started:.1f} s"
    expected = "spaces its next request past the run's deadline" if rate < 0.1 else "stopping"
    assert expected in str(outcome.get("error")), outcome
