"""watch's listener is the unauthenticated surface: every request, however malformed or slow,
gets one status and one log line (never a traceback), the listener bounds connections, body
size and the time a request may take, listens on IPv6 and dual stack, and closes gracefully:
requests in flight finish, new ones are refused.

Raw sockets against the real listener (in-process), so the bytes on the wire are exactly the
hostile ones."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import ImageRef
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.watch.http import Metrics, parse_listen, serve

TOKEN = "listener-token-1"
PATH = f"/webhook/ci/{TOKEN}"
GOOD = json.dumps({"repository": "ghcr.io/acme/app", "tag": "1.2.0"}).encode()


class Listener:
    def __init__(self, host: str = "127.0.0.1", limit: int = 64, deadline: float = 5.0) -> None:
        self.trigger = Trigger(0)
        self.receiver = Receiver(self.trigger, lambda s, o: None, environ={"T": TOKEN})
        self.receiver.configure(
            WebhookSettings(sources=(SourceSettings("ci", "generic", token_env="T"),), max_body=4096),
            [ImageRef.parse("ghcr.io/acme/app")],
        )
        self.server = serve(
            host, 0, receiver=self.receiver, readiness=lambda: (True, "ready"), metrics=Metrics(), limit=limit
        )
        self.server.deadline = deadline  # type: ignore[attr-defined]
        self.host, self.port = host, self.server.server_address[1]

    def connect(self, host: str | None = None) -> socket.socket:
        host = host or self.host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(30)  # a bound for a broken test, never an assertion
        s.connect((host, self.port))
        return s

    def exchange(self, raw: bytes, *, close_write: bool = True) -> tuple[int, bytes]:
        with self.connect() as s:
            s.sendall(raw)
            if close_write:
                s.shutdown(socket.SHUT_WR)
            return answer(s)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(s: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


def post(length: str | None, body: bytes = GOOD, extra: str = "", path: str = PATH) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: bot\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    return (head + extra + "\r\n").encode() + body


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def no_traceback(capfd: pytest.CaptureFixture[str]) -> str:
    err = capfd.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_well_formed_authenticated_push_is_accepted(
    listener: Listener, capfd: pytest.CaptureFixture[str]
) -> None:
    status, body = listener.exchange(post(str(len(GOOD))))
    assert (status, body.split(b":")[0]) == (202, b"accepted")
    no_traceback(capfd)


@pytest.mark.parametrize(
    ("length", "status"),
    [
        ("\u00b2", 400),  # superscript two: str.isdigit() says yes, int() says no
        ("\u0663", 400),  # Arabic-Indic three: int() would take it
        ("-1", 400),
        ("+5", 400),
        ("1_0", 400),
        ("0x10", 400),
        ("1e3", 400),
        ("", 400),
        ("99999999999999999999", 400),
        ("100000000", 413),  # over the listener's bound: refused before a byte is read
        ("8000", 413),  # over the source's configured max_body
    ],
)
def test_malformed_or_oversized_content_lengths_are_refused_with_one_line(
    listener: Listener, capfd: pytest.CaptureFixture[str], length: str, status: int
) -> None:
    raw = post(None, b"", extra=f"Content-Length: {length}\r\n")
    got, _ = listener.exchange(raw.replace(b"\r\n\r\n", b"\r\n\r\n", 1))
    assert got == status
    err = no_traceback(capfd)
    assert err.count("\n") >= 1


def test_a_non_utf8_content_length_is_refused(listener: Listener, capfd: pytest.CaptureFixture[str]) -> None:
    raw = b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: \xb2\xff\r\n\r\n"
    assert listener.exchange(raw)[0] == 400
    no_traceback(capfd)


def test_two_content_lengths_are_refused(listener: Listener, capfd: pytest.CaptureFixture[str]) -> None:
    n = str(len(GOOD))
    assert listener.exchange(post(n, extra=f"Content-Length: {n}\r\n"))[0] == 400
    assert listener.exchange(post(n, extra="Content-Length: 3\r\n"))[0] == 400
    no_traceback(capfd)


def test_chunked_and_length_less_bodies_need_a_content_length(
    listener: Listener, capfd: pytest.CaptureFixture[str]
) -> None:
    chunked = post(None, b"5\r\nhello\r\n0\r\n\r\n", extra="Transfer-Encoding: chunked\r\n")
    assert listener.exchange(chunked)[0] == 411
    smuggled = post(str(len(GOOD)), extra="Transfer-Encoding: chunked\r\n")
    assert listener.exchange(smuggled)[0] == 411
    assert listener.exchange(post(None))[0] == 411
    no_traceback(capfd)


def test_bad_json_and_a_short_body_are_400(listener: Listener, capfd: pytest.CaptureFixture[str]) -> None:
    assert listener.exchange(post("9", b"{not json"))[0] == 400
    assert listener.exchange(post("9", b"[" * 9))[0] == 400
    deep = b"[" * 3000 + b"]" * 3000
    assert listener.exchange(post(str(len(deep)), deep))[0] in (400, 413)
    assert listener.exchange(post("50", b"{}"))[0] == 400  # the client closed after two bytes
    no_traceback(capfd)


def test_oversized_headers_are_431_and_a_bad_request_line_400(
    listener: Listener, capfd: pytest.CaptureFixture[str]
) -> None:
    assert listener.exchange(post("2", b"{}", extra="X-Big: " + "a" * 70000 + "\r\n"))[0] == 431
    many = "".join(f"X-{i}: v\r\n" for i in range(150))
    assert listener.exchange(post("2", b"{}", extra=many))[0] == 431
    assert listener.exchange(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")[0] == 400
    assert listener.exchange(b"GET / HTTP/9.9\r\n\r\n")[0] in (400, 505)
    assert listener.exchange(b"BREW /pot HTTP/1.1\r\n\r\n")[0] == 501
    assert listener.exchange(b"GET /healthz\r\n\r\n")[0] == 200  # HTTP/0.9 form: answered with a status line
    assert listener.exchange(b"\r\n\r\n")[0] == 400
    no_traceback(capfd)


def test_a_request_whose_headers_never_end_gets_408(capfd: pytest.CaptureFixture[str]) -> None:
    """slowloris: the headers drip and never finish; the deadline covers the whole request,
    not each read, so trickling a byte at a time does not keep the connection."""
    server = Listener(deadline=0.5)
    try:
        with server.connect() as s:
            s.sendall(b"POST /webhook/ci HTTP/1.1\r\nX-Slow: ")
            for _ in range(3):
                s.sendall(b"a")
            assert answer(s)[0] == 408
    finally:
        server.close()
    err = no_traceback(capfd)
    # a client that drips is an ordinary event: a debug line, not a warning (the listener's own
    # start-up line is printed where an earlier test left logging at info)
    assert [ln for ln in err.splitlines() if '"event": "listening"' not in ln] == []


def test_a_stalled_body_gets_408(capfd: pytest.CaptureFixture[str]) -> None:
    server = Listener(deadline=0.5)
    try:
        with server.connect() as s:
            s.sendall(post("100", b'{"repo'))
            assert answer(s)[0] == 408
    finally:
        server.close()
    no_traceback(capfd)


def test_connections_over_the_limit_are_refused_with_503(capfd: pytest.CaptureFixture[str]) -> None:
    server = Listener(limit=2)
    try:
        held = [server.connect() for _ in range(2)]
        for s in held:
            s.sendall(b"POST /webhook/ci HTTP/1.1\r\n")  # in flight, unfinished
        # accepted in order: the third comes after the two have taken both slots
        with server.connect() as third:
            status, body = answer(third)
        assert status == 503 and b"too many connections" in body
        for s in held:  # the held ones are still served
            s.sendall(f"Content-Length: {len(GOOD)}\r\n\r\n".encode() + GOOD)
            s.shutdown(socket.SHUT_WR)
        statuses = [answer(s)[0] for s in held]
        assert statuses == [401, 401]  # answered (no token in /webhook/ci)
        for s in held:
            s.close()
        # slots are given back once each handler thread has finished with its connection,
        # which may be a moment after the client read its answer: then a new request is served
        # (the answer judged is the loop's own: asking again, the loop's last connection may
        # still hold its slot for that moment, and a loaded machine saw 503 there)
        deadline = time.monotonic() + 10
        while (status := server.exchange(b"GET /healthz HTTP/1.0\r\n\r\n")[0]) == 503:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        assert status == 200
    finally:
        server.close()
    no_traceback(capfd)


def test_close_finishes_requests_in_flight_and_refuses_new_ones() -> None:
    server = Listener()
    s = server.connect()
    s.sendall(post(str(len(GOOD)), GOOD[:5]))
    # accepted in order: once a later request is answered, the first one is in flight
    assert server.exchange(b"GET /healthz HTTP/1.0\r\n\r\n")[0] == 200
    server.server.shutdown()  # stop accepting (what SIGTERM does)
    closing = threading.Thread(target=server.server.server_close)
    closing.start()
    s.sendall(GOOD[5:])
    status, _ = answer(s)
    s.close()
    closing.join(30)
    assert status == 202 and not closing.is_alive()
    with pytest.raises(ConnectionRefusedError):
        server.connect()


def test_ipv6_and_dual_stack_listening() -> None:
    only6 = Listener(host="::1")
    try:
        assert only6.exchange(b"GET /healthz HTTP/1.0\r\n\r\n")[0] == 200
    finally:
        only6.close()
    both = Listener(host="::")
    try:
        for host in ("::1", "127.0.0.1"):
            with both.connect(host) as s:
                s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                assert answer(s)[0] == 200
    finally:
        both.close()


def test_listen_addresses() -> None:
    assert parse_listen("[::]:8080") == ("::", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen(":8080") == ("0.0.0.0", 8080)
    assert parse_listen("0.0.0.0:9") == ("0.0.0.0", 9)
    for bad in ("::8080", "[::]", "[::]:", "::1:80", "host:\u00b2", "host:-1", "host:65536", "[a]b:1"):
        with pytest.raises(UsageError):
            parse_listen(bad)


_METHODS = st.sampled_from([b"GET", b"POST", b"PUT", b"", b"P\x00ST", b"POST POST"])
_PATHS = st.sampled_from([b"/healthz", PATH.encode(), b"/webhook/", b"*", b"", b"/\xff\xfe", b"/%00"])
_HEADER = st.tuples(
    st.sampled_from(
        [b"Content-Length", b"Transfer-Encoding", b"Host", b"X-Delivery-Id", b"Authorization", b""]
    ),
    st.binary(max_size=30),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(method=b"GET", path=b"/healthz", version=b"", headers=[], body=b"")
@example(method=b"", path=b"", version=b"", headers=[], body=b"")
@given(
    method=_METHODS,
    path=_PATHS,
    version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"", b"HTTP/1.1x"]),
    headers=st.lists(_HEADER, max_size=6),
    body=st.binary(max_size=200),
)
def test_any_request_gets_one_answer_and_no_traceback(
    fuzzed: Listener,
    capfd: pytest.CaptureFixture[str],
    method: bytes,
    path: bytes,
    version: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
) -> None:
    raw = b" ".join(p for p in (method, path, version) if p) + b"\r\n"
    raw += b"".join(k + b": " + v.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n" for k, v in headers)
    raw += b"\r\n" + body
    status, _ = fuzzed.exchange(raw)
    assert status in (200, 202, 400, 401, 404, 405, 408, 411, 413, 414, 431, 501, 503, 505)
    no_traceback(capfd)
    assert fuzzed.exchange(b"GET /healthz HTTP/1.0\r\n\r\n")[0] == 200  # still serving


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Listener]:
    server = Listener(deadline=2)
    yield server
    server.close()
