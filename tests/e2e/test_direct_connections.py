"""A registry's connections under hostile servers: a body after a HEAD's answer costs a retry,
not a wrong answer, the total deadline
ends a call against a server that drips its head or body, abort wakes every thread blocked on
these sockets or waiting for one, the per-origin limit holds under 64 threads, and failures
leave no file descriptor behind."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.transport import Transport, exchange
from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.settings import RegistryConfig
from testkit.hostile_registry import Answer, HostileRegistry
from testkit.tcp import serve_each


@pytest.fixture
def scripted() -> Iterator[tuple[list[bytes], int]]:
    """A raw HTTP/1.1 server answering the n-th request (any connection) with the n-th bytes."""
    replies: list[bytes] = []
    count = [0]
    lock = threading.Lock()

    def serve(conn: socket.socket) -> None:
        buf = b""
        with conn:
            while data := conn.recv(65536):
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    # counted before the reply is sent: a client that has read it may ask again
                    # on a new connection before this thread runs on, and must get the next one
                    with lock:
                        n = count[0]
                        count[0] += 1
                    conn.sendall(replies[min(n, len(replies) - 1)])

    listener = serve_each(serve)
    yield replies, listener.getsockname()[1]
    listener.close()


def test_a_body_after_a_head_s_answer_costs_the_next_request_a_retry_not_its_answer(
    scripted: tuple[list[bytes], int],
) -> None:
    """A registry (or a proxy in front of one) that sends a body after a HEAD's answer, a bug
    seen in the wild: the connection's next request reads those bytes as the start of its
    answer, fails as a protocol error, and is asked again on a new connection. (Bytes that
    spell a whole answer would be read as one: only the same server can send them, and it could
    as well answer that request so; what reaches the bot is checked as every answer is.)"""
    replies, port = scripted
    digest = "sha256:" + "a" * 64
    head = (
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
        "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
        f"Docker-Content-Digest: {digest}\r\n\r\n"
    ).encode()
    tags = b'{"name":"app","tags":["1.0.0"]}'
    listing = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(tags),
        tags,
    )
    replies += [head + b"0123456789", listing, listing]
    config = RegistryConfig(host=f"127.0.0.1:{port}", max_concurrency=1)
    with RegistryClient(
        config, retry=RetryPolicy(attempts=3, initial_wait=0.01), sleep=lambda _: None
    ) as client:
        # a HEAD, as a tag read again in a later watch cycle is asked
        head = client._manifest("HEAD", "app", "1.0.0", client.deadline())
        assert head.header("Docker-Content-Digest") == digest
        assert client.list_tags("app") == ["1.0.0"]
        assert client.stats.by_status["connection-error"] == 1


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
        for _ in range(3000):  # the four connections' requests are at the server (a bound, not a timing)
            if len(server.seen) >= 4:
                break
            time.sleep(0.01)
        assert len(server.seen) == 4, server.seen
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


def test_each_origin_s_connections_carry_only_its_own_requests_and_credentials() -> None:
    """Two servers, the same server under two host names, and one over IPv6, asked in turn
    through one transport: every answer comes from the server asked, on a connection of that
    origin, with the credentials given for that request only."""
    with (
        HostileRegistry({"/": Answer(body=b"one")}) as one,
        HostileRegistry({"/": Answer(body=b"two")}) as two,
    ):
        port_one = one.url.rsplit(":", 1)[1]
        v6 = socket.create_server(("::1", 0), family=socket.AF_INET6)
        v6_port = v6.getsockname()[1]
        v6_seen: list[bytes] = []

        def serve_v6() -> None:
            conn, _ = v6.accept()
            with conn:
                buf = b""
                while data := conn.recv(65536):
                    buf += data
                    while b"\r\n\r\n" in buf:
                        head, buf = buf.split(b"\r\n\r\n", 1)
                        v6_seen.append(head)
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")

        threading.Thread(target=serve_v6, daemon=True).start()
        origins = [
            (one.url, b"one", "secret-one"),
            (two.url, b"two", "secret-two"),
            (f"http://localhost:{port_one}", b"one", "secret-local"),
            (f"http://[::1]:{v6_port}", b"v6", "secret-v6"),
        ]
        t = Transport(env={})
        for _ in range(3):
            for base, body, secret in origins:
                answer = exchange(t, "GET", base + "/v2/", {"Authorization": f"Bearer {secret}"}, timeout=10)
                assert answer.body == body
        t.close()
        v6.close()
    assert {s.headers["Authorization"] for s in one.seen} == {"Bearer secret-one", "Bearer secret-local"}
    assert {s.headers["Authorization"] for s in two.seen} == {"Bearer secret-two"}
    assert len(v6_seen) == 3 and all(b"Bearer secret-v6" in h and b"Host: [::1]:" in h for h in v6_seen)
    by_host: dict[str, set[int]] = {}
    for s in one.seen:
        by_host.setdefault(s.headers["Host"].split(":")[0], set()).add(s.peer)
    assert set(by_host) == {"127.0.0.1", "localhost"}
    assert not by_host["127.0.0.1"] & by_host["localhost"]  # each host name its own connections
