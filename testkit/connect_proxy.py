"""A tiny forward proxy on loopback, as a corporate proxy behaves: ``CONNECT host:port``
tunnels (https, or anything a client tunnels) and absolute-form requests (``GET http://...``,
plain http) are forwarded; every request line is recorded in :attr:`ConnectProxy.seen`, so a
test can tell that traffic went through it. ``routes`` maps a ``host:port`` the client asks
for to where the proxy really connects: a name only the proxy can reach.
"""

from __future__ import annotations

import contextlib
import select
import socket
import socketserver
import threading
from typing import Self
from urllib.parse import urlsplit


class ConnectProxy:
    def __init__(self, routes: dict[str, str] | None = None) -> None:
        self.seen: list[str] = []
        self.routes = dict(routes or {})
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                owner._handle(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _read_head(self, h: socketserver.StreamRequestHandler) -> tuple[str, str, list[bytes]] | None:
        """The next request's method, target and header lines (recorded in ``seen``); None
        when the client has closed."""
        line = h.rfile.readline(65537).decode("latin-1").rstrip("\r\n")
        if not line:
            return None
        self.seen.append(line)
        method, target, _ = [*line.split(" "), "", ""][:3]
        head = []
        while (header := h.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            head.append(header)
        return method, target, head

    def _upstream(self, where: str) -> socket.socket | None:
        """A connection to ``host:port`` (or where ``routes`` sends it); None if it fails."""
        host, _, port = self.routes.get(where, where).rpartition(":")
        try:
            return socket.create_connection((host.strip("[]"), int(port)), 10)
        except OSError:
            return None

    def _handle(self, h: socketserver.StreamRequestHandler) -> None:
        request = self._read_head(h)
        if request is None:
            return
        method, target, head = request
        if method == "CONNECT":
            upstream = self._upstream(target)
            if upstream is None:
                h.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            h.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            h.wfile.flush()
            self._pipe(h.connection, upstream)
            return
        self._forward(h, method, target, head)

    def _forward(
        self, h: socketserver.StreamRequestHandler, method: str, target: str, head: list[bytes]
    ) -> None:
        """Absolute-form requests, each on its own upstream connection (``Connection: close``
        upstream, so its end is the reply's end), as long as the client keeps sending them."""
        while True:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                h.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            length = 0
            for x in head:
                if x.lower().startswith(b"content-length:"):
                    length = int(x.split(b":", 1)[1].strip() or b"0")
            body = h.rfile.read(length) if length else b""
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [x for x in head if not x.lower().startswith((b"connection:", b"proxy-"))]
            upstream = self._upstream(f"{parts.hostname}:{parts.port or 80}")
            if upstream is None:
                h.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            with contextlib.closing(upstream):
                start = f"{method} {path} HTTP/1.1\r\n".encode("latin-1")
                upstream.sendall(start + b"".join(kept) + b"Connection: close\r\n\r\n" + body)
                while data := upstream.recv(65536):
                    h.wfile.write(data)
                h.wfile.flush()
            following = self._read_head(h)
            if following is None:
                return
            method, target, head = following

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        with contextlib.closing(upstream):
            socks = [client, upstream]
            while True:
                ready, _w, _x = select.select(socks, [], [], 30)
                if not ready:
                    return
                for s in ready:
                    try:
                        data = s.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    try:
                        (upstream if s is client else client).sendall(data)
                    except OSError:
                        return

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
