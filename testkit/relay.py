"""A loopback relay that binds a free port itself (port 0: no other test can take it between
choosing and binding) and forwards each request's bytes to ``upstream`` (503 until it is set).

For a sender that must be told an address before the receiver exists: the registry's
notification endpoint is fixed when the registry starts, but ``watch`` listens on
``127.0.0.1:0`` and only its log says where, so the registry is pointed at the relay and the
relay at the port ``watch`` reports. Subclasses answer some requests themselves
(:meth:`Relay.answer`; :class:`testkit.referrers_proxy.ReferrersProxy`)."""

from __future__ import annotations

import threading
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
