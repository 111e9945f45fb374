"""The stdlib transport under the registry client: pooling, stale connections, timeouts.
The happy paths run against the real registry in test_registry_real; these are the socket-level
situations a registry process does not produce on demand."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from gitops_bot.registry.transport import StdlibTransport


class RawServer:
    """Answers each connection with ``handler(conn)`` on a loopback port; counts connections."""

    def __init__(self, handler) -> None:  # type: ignore[no-untyped-def]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.handler = handler
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.handler, args=(conn,), daemon=True).start()

    def close(self) -> None:
        self.sock.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    return data


@pytest.fixture
def one_shot_keepalive() -> Iterator[RawServer]:
    """Claims keep-alive but closes every connection after one response, as a proxy with a
    short idle timeout does."""

    def handler(conn: socket.socket) -> None:
        if _read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        conn.close()

    srv = RawServer(handler)
    yield srv
    srv.close()


def test_keepalive_connection_is_reused() -> None:
    def handler(conn: socket.socket) -> None:
        while _read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        conn.close()

    srv = RawServer(handler)
    try:
        with httpx.Client(transport=StdlibTransport()) as client:
            for _ in range(5):
                assert client.get(f"http://127.0.0.1:{srv.port}/v2/").text == "ok"
        assert srv.connections == 1
    finally:
        srv.close()


def test_stale_pooled_connection_is_retried_once_for_idempotent_requests(
    one_shot_keepalive: RawServer,
) -> None:
    with httpx.Client(transport=StdlibTransport()) as client:
        url = f"http://127.0.0.1:{one_shot_keepalive.port}/v2/"
        assert client.get(url).text == "ok"
        assert client.head(url).status_code == 200  # first try hits the closed socket
    assert one_shot_keepalive.connections == 2


def test_stale_connection_is_not_retried_for_post(one_shot_keepalive: RawServer) -> None:
    with httpx.Client(transport=StdlibTransport()) as client:
        url = f"http://127.0.0.1:{one_shot_keepalive.port}/token"
        client.get(url)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(url, content=b"grant_type=refresh_token")


def test_silent_server_is_a_read_timeout() -> None:
    done = threading.Event()

    def handler(conn: socket.socket) -> None:
        _read_request(conn)
        done.wait(5)
        conn.close()

    srv = RawServer(handler)
    try:
        with (
            httpx.Client(transport=StdlibTransport(), timeout=0.3) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get(f"http://127.0.0.1:{srv.port}/v2/")
    finally:
        done.set()
        srv.close()


def test_refused_connection_is_a_connect_error() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with httpx.Client(transport=StdlibTransport()) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/v2/")


def test_headers_and_body_are_sent_as_given() -> None:
    seen: list[bytes] = []

    def handler(conn: socket.socket) -> None:
        req = _read_request(conn)
        head, _, body = req.partition(b"\r\n\r\n")
        length = next(
            int(ln.split(b":")[1]) for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += conn.recv(4096)
        seen.append(head + b"\r\n\r\n" + body)
        conn.sendall(b"HTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    srv = RawServer(handler)
    try:
        with httpx.Client(transport=StdlibTransport()) as client:
            r = client.post(
                f"http://127.0.0.1:{srv.port}/v2/a/b?x=1%2F2", content=b"hello", headers={"X-T": "v"}
            )
        assert r.status_code == 201 and r.headers["location"] == "/x"
        raw = seen[0]
        assert raw.startswith(b"POST /v2/a/b?x=1%2F2 HTTP/1.1\r\n")
        assert b"\r\nHost: 127.0.0.1:" in raw and b"\r\nX-T: v\r\n" in raw.replace(b"x-t", b"X-T")
        assert raw.endswith(b"\r\n\r\nhello")
    finally:
        srv.close()
