"""A loopback relay that binds a free port itself (port 0: no other test can take it between
choosing and binding) and forwards each request's bytes to ``upstream`` (503 until it is set).

For a sender that must be told an address before the receiver exists: the registry's
notification endpoint is fixed when the registry starts, but ``watch`` listens on
``127.0.0.1:0`` and only its log says where, so the registry is pointed at the relay and the
relay at the port ``watch`` reports. Subclasses answer some requests themselves
(:meth:`Relay.answer`; :class:`testkit.referrers_proxy.ReferrersProxy`)."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

_KEEP = ("content-type", "docker-content-digest", "location", "www-authenticate", "link", "range")
Answer = tuple[int, bytes, dict[str, str]]


class Relay:
    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream  # e.g. http://127.0.0.1:PORT; None: answered 503
        self.forwarded = 0
        self._client = httpx.Client(timeout=30)
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                status, data, headers = relay.answer(self.command, self.path) or relay._forward(
                    self.command, self.path, dict(self.headers.items()), body
                )
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, command: str, path: str) -> Answer | None:
        """A request this relay answers itself; None: forward it."""
        return None

    def _forward(self, command: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        if self.upstream is None:
            return 503, b"no upstream yet\n", {}
        kept = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
        try:
            r = self._client.request(command, self.upstream + path, content=body, headers=kept)
        except httpx.TransportError as exc:
            return 502, f"{type(exc).__name__}\n".encode(), {}
        self.forwarded += 1
        return r.status_code, r.content, {k: v for k, v in r.headers.items() if k.lower() in _KEEP}

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()


class DelayRelay:
    """A TCP relay that holds every chunk ``delay`` seconds each way before passing it on, as
    a network with a round-trip time of ``2 * delay`` does (bench: a registry 40 ms away).
    Bytes are relayed as they are, so the client speaks to ``upstream`` (``host:port``) as if
    directly; every connection costs four threads, no parsing."""

    def __init__(self, upstream: str, delay: float) -> None:
        self.delay = delay
        host, _, port = upstream.rpartition(":")
        self._upstream = (host.strip("[]"), int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self.url = f"http://{self.host}"
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                upstream = socket.create_connection(self._upstream, 10)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for src, dst in ((client, upstream), (upstream, client)):
                self._pump(src, dst)

    def _pump(self, src: Any, dst: Any) -> None:
        held: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()

        def read() -> None:
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                held.put((time.monotonic() + self.delay, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = held.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    return
                try:
                    dst.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._listener.close()
