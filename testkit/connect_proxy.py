"""A tiny forward proxy on loopback, as a corporate proxy behaves: ``CONNECT host:port``
tunnels (https, or anything a client tunnels) and absolute-form requests (``GET http://...``,
plain http) are forwarded; every request line is recorded in :attr:`ConnectProxy.seen`, so a
test can tell that traffic went through it. ``routes`` maps a ``host:port`` the client asks
for to where the proxy really connects: a name only the proxy can reach.
"""

from __future__ import annotations

import contextlib
import http.client
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
        """Absolute-form requests, as long as the client keeps sending them, over one kept-alive
        upstream connection per origin (as a real proxy pools them): a new connection a request
        would cost each request an upstream connect that no proxy near a client adds."""
        upstreams: dict[str, http.client.HTTPConnection] = {}
        try:
            while True:
                parts = urlsplit(target)
                if parts.scheme != "http" or not parts.hostname:
                    h.wfile.write(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
                length = 0
                for x in head:
                    if x.lower().startswith(b"content-length:"):
                        length = int(x.split(b":", 1)[1].strip() or b"0")
                body = h.rfile.read(length) if length else b""
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [
                    x for x in head if not x.lower().startswith((b"connection:", b"keep-alive:", b"proxy-"))
                ]
                where = f"{parts.hostname}:{parts.port or 80}"
                answer = self._exchange(upstreams, where, method, path, kept, body)
                if answer is None:
                    h.wfile.write(
                        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
                h.wfile.write(answer)
                h.wfile.flush()
                following = self._read_head(h)
                if following is None:
                    return
                method, target, head = following
        finally:
            for conn in upstreams.values():
                conn.close()

    def _exchange(
        self,
        upstreams: dict[str, http.client.HTTPConnection],
        where: str,
        method: str,
        path: str,
        head: list[bytes],
        body: bytes,
    ) -> bytes | None:
        """One request on ``where``'s kept-alive connection (a fresh one if the kept one was
        closed meanwhile); the whole answer to write back, or None when the origin is unreachable."""
        for _attempt in range(2):
            conn = upstreams.get(where)
            reused = conn is not None
            if conn is None:
                host, _, port = self.routes.get(where, where).rpartition(":")
                conn = upstreams[where] = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=10)
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for line in head:
                    name, _, value = line.decode("latin-1").partition(":")
                    conn.putheader(name.strip(), value.strip())
                conn.endheaders(body or None)
                reply = conn.getresponse()
                data = reply.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                del upstreams[where]
                if reused:
                    continue  # the origin closed an idle connection: once more on a new one
                return None
            if reply.will_close:
                conn.close()
                del upstreams[where]
            framed = method != "HEAD" and reply.status not in (204, 304) and reply.status >= 200
            lines = [f"HTTP/1.1 {reply.status} {reply.reason}\r\n".encode("latin-1")]
            for name, value in reply.getheaders():
                if name.lower() in ("connection", "keep-alive", "transfer-encoding"):
                    continue
                if name.lower() == "content-length" and framed:
                    continue  # the body was read whole (de-chunked): its length is given below
                lines.append(f"{name}: {value}\r\n".encode("latin-1"))
            if framed:
                lines.append(f"Content-Length: {len(data)}\r\n".encode("latin-1"))
            return b"".join(lines) + b"\r\n" + data
        return None

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
