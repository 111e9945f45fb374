"""A loopback relay for a sender that must be told an address before the receiver exists: it
binds a free port itself (port 0, so no other test can take it in between), answers 503
until :attr:`Relay.target` is set, then forwards each request's bytes there as they came.

The registry's notification endpoint is fixed when the registry starts, but ``watch`` listens
on ``127.0.0.1:0`` and only its log says where: the registry is pointed at the relay, and the
relay at the port ``watch`` reports."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

HOP_BY_HOP = {"host", "connection", "content-length", "transfer-encoding", "keep-alive"}


class Relay:
    def __init__(self) -> None:
        self.target: str | None = None  # e.g. http://127.0.0.1:PORT, set once it is known
        self.forwarded = 0
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = relay._forward(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.target is None:
            return 503, b"no target yet\n"
        kept = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            r = httpx.post(self.target + path, headers=kept, content=body, timeout=5)
        except httpx.TransportError as exc:
            return 502, f"{type(exc).__name__}\n".encode()
        self.forwarded += 1
        return r.status_code, r.content

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
