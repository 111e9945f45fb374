"""A registry's connections kept below httpcore's pool under hostile servers: a connection
never carries bytes a server sent beyond its reply into the next answer, the total deadline
ends a call against a server that drips its head or body, abort wakes every thread blocked on
these sockets or waiting for one, the per-origin limit holds under 64 threads, and failures
leave no file descriptor behind."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from gitops_bot.net.transport import Transport, exchange
from testkit.hostile_registry import Answer, HostileRegistry


@pytest.fixture
def scripted() -> Iterator[tuple[list[bytes], int]]:
    """A raw HTTP/1.1 server answering the n-th request (any connection) with the n-th bytes."""
    replies: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    count = [0]

    def serve(conn: socket.socket) -> None:
        buf = b""
        with conn:
            while data := conn.recv(65536):
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    conn.sendall(replies[min(count[0], len(replies) - 1)])
                    count[0] += 1

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield replies, listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_bytes_a_server_sends_beyond_its_reply_never_become_the_next_answer(
    scripted: tuple[list[bytes], int], method: str
) -> None:
    replies, port = scripted
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL"
    first = b"A" if method == "GET" else b""
    replies += [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + b"A" + smuggled,
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nGOOD",
    ]
    t = Transport(env={})
    assert exchange(t, method, f"http://127.0.0.1:{port}/a", {}, timeout=5).body == first
    answer = None
    with contextlib.suppress(httpx.HTTPError):  # refusing the leftovers is fine; answering with them is not
        answer = exchange(t, "GET", f"http://127.0.0.1:{port}/b", {}, timeout=5).body
    t.close()
    assert answer in (None, b"GOOD")


@pytest.mark.parametrize("answer", [Answer(body=b"x" * 50, drip=0.2), Answer(body=b"x", drip_head=0.2)])
def test_a_dripping_server_is_cut_at_the_total_deadline(answer: Answer) -> None:
    with HostileRegistry({"/": answer}) as server:
        t = Transport(env={})
        # each byte comes well within the 0.8 s a read may wait: only the total deadline ends it
        with pytest.raises(httpx.TimeoutException):
            exchange(t, "GET", server.url + "/a", {}, timeout=0.8)
        t.close()


def test_abort_wakes_threads_blocked_on_a_connection_and_those_waiting_for_one() -> None:
    with HostileRegistry({"/": Answer(body=b"{}", hang=60)}) as server:
        t = Transport(env={}, max_connections=4)
        ended: list[str] = []

        def call(i: int) -> None:
            try:
                exchange(t, "GET", server.url + f"/{i}", {}, timeout=120)
            except Exception as exc:
                ended.append(type(exc).__name__)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        while len(server.seen) < 4:
            time.sleep(0.01)
        t.abort()
        for thread in threads:
            thread.join(30)
        assert len(ended) == 16, ended
        t.close()


def test_the_origin_limit_holds_under_64_threads() -> None:
    with HostileRegistry({"/": Answer(body=b"{}", hang=0.01)}) as server:
        t = Transport(env={}, max_connections=4)
        errors: list[Exception] = []

        def calls(i: int) -> None:
            try:
                for j in range(3):
                    assert exchange(t, "GET", server.url + f"/{i}/{j}", {}, timeout=60).body == b"{}"
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=calls, args=(i,)) for i in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        t.close()
    assert not errors
    assert len(server.seen) == 64 * 3
    assert len({s.peer for s in server.seen}) <= 4


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_many_failed_calls_leave_no_file_descriptor_open() -> None:
    routes = {
        "/big": Answer(body=b"x" * 5000),
        "/slow": Answer(body=b"x", hang=0.3),
        "/cut": Answer(body=b"1", headers={"Content-Length": "10"}, close=True),
        "/ok": Answer(body=b"{}"),
    }
    with HostileRegistry(routes) as server:  # type: ignore[arg-type]
        t = Transport(env={})
        exchange(t, "GET", server.url + "/ok", {}, timeout=5)
        before = _fds()
        for _ in range(40):
            for path, kwargs in (("/big", {"limit": 100}), ("/slow", {"timeout": 0.05}), ("/cut", {})):
                with pytest.raises(Exception):  # noqa: B017 - each fails its own way
                    exchange(t, "GET", server.url + path, {}, **{"timeout": 5, **kwargs})  # type: ignore[arg-type]
            with pytest.raises(httpx.ConnectError):
                exchange(t, "GET", "http://127.0.0.1:1/x", {}, timeout=1)
        time.sleep(0.6)  # the server's own sockets of the slow answers close
        exchange(t, "GET", server.url + "/ok", {}, timeout=5)
        after = _fds()
        t.close()
    assert after <= before + 1, (before, after)
