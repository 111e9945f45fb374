"""The HTTP server class every local stand-in of a service uses.

``ThreadingHTTPServer`` accepts on a blocking listening socket after its selector reports the
socket readable. A connection the client resets in between (a deadline, an abort, a pool closing
under load) leaves nothing to accept, and the blocking ``accept`` then waits for the *next*
connection — which never comes once the test is over, so ``shutdown()`` in its teardown waits
forever (a whole-suite run hung so). Here the listening socket is non-blocking: such a wake-up
is an ``OSError`` socketserver already ignores, and the accepted connections stay blocking.

``shutdown()`` returns once ``serve_forever`` next looks at its flag, so ``shutdown()`` here
wakes the loop at once (a connection makes its selector return, and the loop reads the flag
before it accepts): a stand-in stops in a few milliseconds whatever the poll. The poll, then,
is only the bound on a wake-up that never arrives, and is socketserver's 0.5 s: a short one is
no faster to stop and not free, each idle stand-in's thread waking for nothing (at 20 ms, 50
times a second: ~1.5 ms of CPU a second each, against 0.07 ms at 0.5 s), and a worker holds
about three stand-ins alive at any time, some 10,000 stand-in-seconds in a whole run.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

POLL = 0.5  # seconds between serve_forever's looks at its shutdown flag, unwoken


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a client opening dozens of
    # connections at once, and each dropped one waits a second for its retransmission: a
    # stand-in would seem a second slower than any real server (Go's listens with SOMAXCONN)
    request_queue_size = 128
    # connections accepted and connections ended (the handler done with it): a test counts
    # the connections a client opened, and sees them closed
    accepted = 0
    ended = 0
    _counting = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._counting:
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._counting:
            self.ended += 1
        super().shutdown_request(request)

    def serve_forever(self, poll_interval: float = POLL) -> None:
        super().serve_forever(poll_interval)

    def shutdown(self) -> None:
        # socketserver's own flag, set before the wake-up so that the woken loop stops rather
        # than accepting the waking connection (which server_close then drops unread)
        self._BaseServer__shutdown_request = True
        with contextlib.suppress(OSError):
            socket.create_connection(self.socket.getsockname()[:2], timeout=1).close()
        super().shutdown()

    def server_activate(self) -> None:
        super().server_activate()
        self.socket.setblocking(False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer (a deadline, a scrape timing out under load) is no fault
        # of the stand-in, and printing it is not harmless: Python 3.11's traceback formatting
        # parses source lines with ast, whose conversion state is shared by all threads, so a
        # traceback printed here while a test parses the package (tests/unit/test_architecture)
        # made that test fail with "SystemError: AST constructor recursion depth mismatch".
        # Over TLS the hang-up is met as ssl.SSLEOFError (no close_notify), not a ConnectionError.
        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLEOFError):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        conn.setblocking(True)
        # http.server writes a response's headers and its body in two sends: on a kept-alive
        # connection Nagle held the body until the client's delayed ACK of the headers, about
        # 40 ms an answer that no real server (Go's, nginx) takes
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr
