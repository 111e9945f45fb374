"""One HTTPS (or plain HTTP) server on loopback that answers every request the same way, as
the test sets :attr:`MisbehavingServer.mode`:

* ``"json"``: 200 with :attr:`body` (JSON), as a well-behaved API;
* ``"drip"``: the status line, then one header byte every 50 ms for as long as the client
  listens (per-read timeouts never fire; only a total deadline ends it);
* ``"huge"``: 200 with a body of :attr:`huge` bytes and no ``Content-Length`` (the end is the
  connection's close), so only a streamed, capped read stops it.

It counts what it managed to send in :attr:`sent` (bytes) and the requests in :attr:`requests`
("METHOD /path"), so a test can assert on bytes read rather than on time or memory.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from pathlib import Path
from typing import Self

from testkit import certs


class MisbehavingServer:
    def __init__(self, directory: Path, *, tls: bool = True) -> None:
        self.mode = "json"
        self.body = b"{}"
        self.huge = 300 << 20
        self.sent = 0
        self.requests: list[str] = []
        self.ca_file: Path | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        context = None
        if tls:
            ca, ca_key, ca_cert = certs.make_ca("misbehaving test CA")
            self.ca_file, _ = ca.write(directory, "ca")
            cert, key = certs.make_server_cert(ca_key, ca_cert).write(directory, "server")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError, ssl.SSLError):
                    owner._handle(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self) -> tuple[socket.socket, object]:
                sock, addr = super().get_request()
                if context is not None:
                    sock.settimeout(10)
                    sock = context.wrap_socket(sock, server_side=True)
                return sock, addr

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _count(self, n: int) -> None:
        with self._lock:
            self.sent += n

    def _handle(self, h: socketserver.StreamRequestHandler) -> None:
        line = h.rfile.readline(65537).decode("latin-1").strip()
        if not line:
            return
        length = 0
        while (header := h.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":", 1)[1])
        if length:
            h.rfile.read(length)
        method, path = [*line.split(" "), "", ""][:2]
        self.requests.append(f"{method} {path}")
        out = h.connection
        if self.mode == "json":
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
            )
            out.sendall(head.encode() + b"Connection: close\r\n\r\n" + self.body)
        elif self.mode == "drip":
            out.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self._stop.is_set():
                out.sendall(b"X")
                self._count(1)
                time.sleep(0.05)
        elif self.mode == "huge":
            out.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            chunk = b" " * 65536
            left = self.huge
            while left > 0 and not self._stop.is_set():
                n = min(left, len(chunk))
                out.sendall(chunk[:n])
                self._count(n)
                left -= n

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
