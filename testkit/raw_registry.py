"""A loopback TCP server that answers each HTTP request with exactly the bytes a test scripts:
malformed framing, replies beyond the reply, bytes on an idle connection, drips, hang-ups.
:class:`testkit.hostile_registry.HostileRegistry` speaks correct HTTP with crafted content;
this one breaks HTTP itself.

``answer(n, request)`` gives the :class:`Script` for the ``n``-th request (from 0) over all
connections; ``request`` is its raw head. Connections and requests are counted.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True)
class Script:
    data: bytes = b""
    close: bool = False  # hang up after sending
    drip: float = 0.0  # seconds between bytes
    later: bytes = b""  # sent unasked 0.2 s after ``data`` (the client has pooled the connection)
    hang: float = 0.0  # seconds before answering


def reply(status: str = "200 OK", body: bytes = b"", *headers: str) -> bytes:
    """A well-formed reply with a Content-Length (plus ``headers``, as raw lines)."""
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


Answer = Callable[[int, bytes], Script]


class RawRegistry:
    def __init__(self, answer: Answer, family: socket.AddressFamily = socket.AF_INET) -> None:
        self.answer = answer
        self.sock = socket.socket(family)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.host = f"[::1]:{self.port}" if family == socket.AF_INET6 else f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.connections = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._stop = threading.Event()
        self._sent = 0  # scripts sent whole (their ``later`` bytes too)
        self._sent_changed = threading.Condition(self._lock)

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()
        with self._lock:
            conns = list(self._open)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def wait_sent(self, count: int, timeout: float = 10.0) -> None:
        """Until ``count`` scripts were sent whole, ``later`` bytes included: on loopback they
        are then in the client's receive buffer (what a test once slept 0.4 s for)."""
        with self._sent_changed:
            if not self._sent_changed.wait_for(lambda: self._sent >= count, timeout):
                raise AssertionError(f"the server sent {self._sent} scripts in {timeout} s, not {count}")

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        rfile = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = rfile.readline(65536)
                    if not line:
                        return
                    head += line
                with self._lock:
                    n = len(self.requests)
                    self.requests.append(head)
                keep = self._send(conn, self.answer(n, head))
                with self._sent_changed:
                    self._sent += 1
                    self._sent_changed.notify_all()
                if not keep:
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._open.discard(conn)
            rfile.close()
            conn.close()

    def _send(self, conn: socket.socket, script: Script) -> bool:
        """False: the connection is to be closed."""
        self._stop.wait(script.hang)
        if script.drip:
            for i in range(len(script.data)):
                conn.sendall(script.data[i : i + 1])
                if self._stop.wait(script.drip):
                    return False
        else:
            conn.sendall(script.data)
        if script.later:
            time.sleep(0.2)
            conn.sendall(script.later)
        return not script.close
