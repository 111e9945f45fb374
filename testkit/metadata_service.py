"""A cloud's metadata service, on loopback, where connections to its addresses land.

Nothing here leaves the machine: :func:`landing` patches ``socket.create_connection`` (what
httpcore's sync backend connects with) so that a connection to a metadata address, or to a
name a test says resolves to one, is made to a stand-in on loopback and reports the address it
was made for as its peer, as a real one would. The one client judges that peer, so its refusal
of a connection that reached the machine's metadata service (and a cloud login's permission)
is tested as it runs, a DNS name resolving there included.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from testkit.loopback import LoopbackHTTPServer

# where each name a test connects to resolves: the metadata addresses as themselves, and a
# name an attacker's DNS answers with the instance metadata address
LANDS = {
    "169.254.169.254": "169.254.169.254",
    "fd00:ec2::254": "fd00:ec2::254",
    "metadata.google.internal": "169.254.169.254",
    "imds.evil.example": "169.254.169.254",
}

Answer = Callable[[str, str], Any]  # the path asked and its Host header -> the JSON answered


class _Landed(socket.socket):
    """A connection to the stand-in that says it reached the address it was made for."""

    reached: tuple[str, int] = ("169.254.169.254", 80)

    def getpeername(self) -> Any:
        return self.reached


def _handler(answer: Answer, asked: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self) -> None:
            asked.append(self.path)
            body = json.dumps(answer(self.path, self.headers.get("Host", ""))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _reply

    return Handler


@contextlib.contextmanager
def landing(monkeypatch: pytest.MonkeyPatch, answer: Answer) -> Iterator[list[str]]:
    """The stand-in answering ``answer(path, host)``; yields the paths it was asked, in order."""
    asked: list[str] = []
    server = LoopbackHTTPServer(("127.0.0.1", 0), _handler(answer, asked))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    here = ("127.0.0.1", server.server_address[1])
    connect = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        lands = LANDS.get(address[0].strip("[]").lower())
        if lands is None:
            return connect(address, *args, **kwargs)
        made = connect(here, *args, **kwargs)
        timeout = made.gettimeout()
        landed = _Landed(made.family, made.type, made.proto, fileno=made.detach())
        landed.settimeout(timeout)
        landed.reached = (lands, address[1])
        return landed

    monkeypatch.setattr(socket, "create_connection", create_connection)
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()
