"""A loopback relay that binds a free port itself (port 0: no other test can take it between
choosing and binding) and forwards each request's bytes to ``upstream`` (503 until it is set).

For a sender that must be told an address before the receiver exists: the registry's
notification endpoint is fixed when the registry starts, but ``watch`` listens on
``127.0.0.1:0`` and only its log says where, so the registry is pointed at the relay and the
relay at the port ``watch`` reports. Subclasses answer some requests themselves
(:meth:`Relay.answer`; :class:`testkit.referrers_proxy.ReferrersProxy`)."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import selectors
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

import httpx

from testkit.loopback import LoopbackHTTPServer

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

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
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


class DelayRelay:
    """A TCP relay that holds every chunk ``delay`` seconds each way before passing it on, as
    a network with a round-trip time of ``2 * delay`` does (bench: a registry 40 ms away).
    Bytes are relayed as they are, so the client speaks to ``upstream`` (``host:port``) as if
    directly; no parsing.

    A few threads (``loops``), each with a selector and a heap of what is due when, carry the
    connections, dealt to them in turn: the relay stands in for a network, so it should cost
    little CPU on the cores it shares with the client and the registry (four threads a
    connection waking per chunk cost a third as much CPU as the bot itself), yet not one
    thread whose every late wake-up, on a loaded machine, would delay every connection."""

    def __init__(self, upstream: str, delay: float, loops: int = 4) -> None:
        self.delay = delay
        host, _, port = upstream.rpartition(":")
        self._upstream = (host.strip("[]"), int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self.url = f"http://{self.host}"
        self.connections = 0
        self._loops = [_Loop(delay) for _ in range(loops)]
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream, 10)
            except OSError:
                client.close()
                continue
            self._loops[self.connections % len(self._loops)].add(client, upstream)
            self.connections += 1

    def __enter__(self) -> Self:
        for loop in self._loops:
            loop.thread.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        for loop in self._loops:
            loop.stop()


class _Loop:
    """One thread relaying its connections: a selector for what can be read or written, a
    heap for what is due when."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._stop = False
        self._new: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._due: list[tuple[float, int, _End, bytes]] = []
        self._seq = itertools.count()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def add(self, client: socket.socket, upstream: socket.socket) -> None:
        with self._lock:
            self._new.append((client, upstream))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self.thread.join(5)
        self._wake_w.close()

    def _run(self) -> None:
        try:
            while not self._stop:
                wait = max(0.0, self._due[0][0] - time.monotonic()) if self._due else None
                for key, mask in self._selector.select(wait):
                    if key.fileobj is self._wake_r:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                        self._adopt()
                        continue
                    end: _End = key.data
                    if mask & selectors.EVENT_READ:
                        self._read(end)
                    if mask & selectors.EVENT_WRITE and not end.closed:
                        self._flush(end)
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    _, _, target, data = heapq.heappop(self._due)
                    if target.closed:
                        continue
                    if data:
                        target.out += data
                    else:
                        target.shut = True
                    self._flush(target)
        finally:
            for key in list(self._selector.get_map().values()):
                with contextlib.suppress(OSError):
                    key.fileobj.close()  # type: ignore[union-attr]
            self._selector.close()

    def _adopt(self) -> None:
        with self._lock:
            new, self._new = self._new, []
        for client, upstream in new:
            a, b = _End(client), _End(upstream)
            a.peer, b.peer = b, a
            for end in (a, b):
                end.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                end.sock.setblocking(False)
                self._interest(end)

    def _read(self, end: _End) -> None:
        try:
            data = end.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            end.reading = False
            self._interest(end)
        assert end.peer is not None
        heapq.heappush(self._due, (time.monotonic() + self.delay, next(self._seq), end.peer, data))

    def _flush(self, end: _End) -> None:
        """Send what is due to ``end``; pass its peer's end of stream on once all is sent."""
        if end.out:
            try:
                sent = end.sock.send(end.out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._close(end)
                return
            del end.out[:sent]
        if not end.out and end.shut and not end.ended:
            with contextlib.suppress(OSError):
                end.sock.shutdown(socket.SHUT_WR)
            end.ended = True
        assert end.peer is not None
        if end.ended and end.peer.ended:
            self._close(end)
            return
        self._interest(end)

    def _interest(self, end: _End) -> None:
        mask = (selectors.EVENT_READ if end.reading else 0) | (selectors.EVENT_WRITE if end.out else 0)
        if mask == end.mask:
            return
        if end.mask == 0:
            self._selector.register(end.sock, mask, end)
        elif mask == 0:
            self._selector.unregister(end.sock)
        else:
            self._selector.modify(end.sock, mask, end)
        end.mask = mask

    def _close(self, end: _End) -> None:
        for e in (end, end.peer):
            if e is None or e.closed:
                continue
            if e.mask:
                self._selector.unregister(e.sock)
                e.mask = 0
            e.sock.close()
            e.closed = True


class _End:
    """One socket of a relayed connection: what is due to it, and where its stream stands."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.peer: _End | None = None
        self.out = bytearray()  # due and not yet sent
        self.reading = True  # its sender has not ended its stream
        self.shut = False  # the other side ended: end this one's stream once ``out`` is sent
        self.ended = False
        self.closed = False
        self.mask = 0
