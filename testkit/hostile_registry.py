"""A loopback HTTP server that answers whatever a test scripts: crafted registry answers (wrong
media types, foreign pagination links, odd challenges), drip-fed bodies, endless bodies.

``routes`` maps a path prefix (query included) to an :class:`Answer` or a function of the
request giving one; the longest matching prefix wins; anything else is a 404. Every request is
recorded with its headers so a test can check where credentials went.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from testkit.jsonapi import JSONServer
from testkit.loopback import LoopbackHTTPServer


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0  # seconds between body bytes
    endless: bool = False  # keep sending body chunks until the client hangs up
    hang: float = 0.0  # seconds to wait before answering at all
    drip_head: float = 0.0  # seconds between the bytes of the status line and headers
    close: bool = False  # hang up after the body (with a Content-Length it promised more)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    peer: int = 0  # the client's port: which connection the request came on


Route = Answer | Callable[[Seen], Answer]


class HostileRegistry(JSONServer):
    """Starts, stops and works as a context manager like the JSON servers; answers raw bytes."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.seen: list[Seen] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                seen = Seen(self.command, self.path, dict(self.headers), self.client_address[1])
                owner.seen.append(seen)
                try:
                    owner._answer(self, seen)
                except OSError:
                    self.close_connection = True

            do_GET = do_HEAD = do_POST = _do

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _route(self, seen: Seen) -> Answer:
        """The answer of the longest route ``seen``'s path starts with (404 where none does)."""
        keys = [k for k in self.routes if seen.path.startswith(k)]
        route = self.routes[max(keys, key=len)] if keys else Answer(404, b'{"errors":[]}')
        return route(seen) if callable(route) else route

    def _head(self, h: BaseHTTPRequestHandler, answer: Answer, seen: Seen) -> bool:
        """``answer``'s wait, status line and headers; False where nothing more is sent (a head
        dripped byte by byte, or a HEAD)."""
        time.sleep(answer.hang)
        if answer.drip_head:
            head = f"HTTP/1.1 {answer.status} OK\r\nX-Slow: " + "x" * 1000
            for c in head.encode():
                h.wfile.write(bytes([c]))
                h.wfile.flush()
                time.sleep(answer.drip_head)
            return False
        h.send_response(answer.status)
        for k, v in answer.headers.items():
            h.send_header(k, v)
        if answer.endless:
            h.send_header("Transfer-Encoding", "chunked")
        elif "Content-Length" not in answer.headers:
            h.send_header("Content-Length", str(len(answer.body)))
        h.end_headers()
        return seen.method != "HEAD"

    def _answer(self, h: BaseHTTPRequestHandler, seen: Seen) -> None:
        answer = self._route(seen)
        if not self._head(h, answer, seen):
            return
        if answer.endless:
            chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
            while True:
                h.wfile.write(chunk)
        for i in range(len(answer.body)) if answer.drip else ():
            h.wfile.write(answer.body[i : i + 1])
            h.wfile.flush()
            time.sleep(answer.drip)
        if not answer.drip:
            h.wfile.write(answer.body)
        h.close_connection = answer.close
