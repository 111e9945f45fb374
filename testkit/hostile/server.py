"""The one loopback server every hostile service is played by: a
:class:`~testkit.hostile_registry.HostileRegistry` whose routes are swapped per example
(starting a server per example costs more than most examples do), which also records what
it served, so a test can tell the bytes the registry served from those anything else did.

``tls``: the same server behind HTTPS (a throwaway CA, written to ``ca``), for the clients
whose libraries refuse plain http to their identity services.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Self

from testkit import certs
from testkit.hostile_registry import HostileRegistry, Route, Seen
from testkit.loopback import LoopbackHTTPServer

# an endless body stops here whether or not the client hung up: a client that reads past it
# has already failed the example (its bound is far below), and the server thread ends
ENDLESS_CAP = 96 << 20


@dataclass(frozen=True)
class Served:
    path: str
    status: int
    body: bytes


class HostileServer(HostileRegistry):
    def __init__(self, *, tls_dir: Path | None = None) -> None:
        super().__init__({})
        self.served: list[Served] = []
        self.sent = 0  # body bytes written, over all requests since the last swap
        self._lock = threading.Lock()
        # a client hanging up mid-answer is what these answers are for: nothing to print (the
        # harness captures stderr as the bot's, and socketserver prints to it)
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.ca: Path | None = None
        if tls_dir is not None:
            ca, ca_key, ca_cert = certs.make_ca("hostile services' test CA")
            self.ca, _ = ca.write(tls_dir, "hostile-ca")
            cert, key = certs.make_server_cert(ca_key, ca_cert).write(tls_dir, "hostile")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
            self.url = f"https://{self.host}"
        # another origin on the same port (127.0.0.2), served the same: where the redirects
        # "to another origin" lead, so a credential sent after one is seen, not refused
        port = self.server.server_address[1]
        self.elsewhere: LoopbackHTTPServer | None = None
        with contextlib.suppress(OSError):
            self.elsewhere = LoopbackHTTPServer(("127.0.0.2", port), self.server.RequestHandlerClass)
            self.elsewhere.handle_error = self.server.handle_error  # type: ignore[method-assign]

    def start(self) -> Self:
        if self.elsewhere is not None:
            threading.Thread(target=self.elsewhere.serve_forever, daemon=True).start()
        return super().start()

    def stop(self) -> None:
        if self.elsewhere is not None:
            self.elsewhere.shutdown()
            self.elsewhere.server_close()
        super().stop()

    def swap(self, routes: dict[str, Route]) -> None:
        """Serve ``routes`` from now on, forgetting what was asked and served before."""
        with self._lock:
            self.routes = dict(routes)
            self.seen.clear()
            self.served.clear()
            self.sent = 0

    def _count(self, n: int) -> None:
        with self._lock:
            self.sent += n

    def _answer(self, h: BaseHTTPRequestHandler, seen: Seen) -> None:
        if isinstance(h.connection, ssl.SSLSocket):
            h.connection.settimeout(10)
        answer = self._route(seen)
        length = int(h.headers.get("Content-Length") or 0)
        if 0 < length <= 1 << 20:
            h.rfile.read(length)
        if not self._head(h, answer, seen):
            return
        self.served.append(Served(seen.path, answer.status, answer.body))
        if answer.endless:
            chunk = b"%x\r\n%s\r\n" % (65536, answer.body[:1] * 65536 or b"x" * 65536)
            for _ in range(ENDLESS_CAP // 65536):
                h.wfile.write(chunk)
                self._count(65536)
            h.close_connection = True
            return
        if answer.drip:
            for i in range(len(answer.body)):
                h.wfile.write(answer.body[i : i + 1])
                h.wfile.flush()
                self._count(1)
                time.sleep(answer.drip)
        else:
            h.wfile.write(answer.body)
            self._count(len(answer.body))
        h.close_connection = answer.close
