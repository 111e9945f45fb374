"""Total deadlines and abort for outbound calls, enforced where the bytes move.

httpx's timeouts bound each socket operation: a server sending one byte a second, or a header
line a second, never trips them. :func:`until` sets a monotonic deadline for the calls the
current thread (context) makes inside it; :class:`Backend`, the network backend under every
:class:`~gitops_bot.net.transport.Transport`, clamps each connect, read and write to what is
left and fails the call once it is spent. :meth:`Backend.abort` (SIGTERM) shuts every open
socket down, which wakes the threads blocked on them, and refuses new connections.
"""

from __future__ import annotations

import contextlib
import contextvars
import select
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("net_deadline", default=None)


class until:  # lower case: used as a function, ``with until(t):``
    """Every outbound socket operation inside ends by ``deadline`` (``time.monotonic()``);
    an enclosing, earlier deadline still holds. A class, not a generator context manager:
    it is entered once per request."""

    __slots__ = ("_deadline", "_token")

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline

    def __enter__(self) -> None:
        deadline, outer = self._deadline, _DEADLINE.get()
        if outer is not None and (deadline is None or outer < deadline):
            deadline = outer
        self._token = _DEADLINE.set(deadline)

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.reset(self._token)


def left() -> float | None:
    """Seconds left before the current deadline (None: no deadline)."""
    d = _DEADLINE.get()
    return None if d is None else d - time.monotonic()


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    d = _DEADLINE.get()
    if d is None:
        return timeout
    rest = d - time.monotonic()
    if rest <= 0:
        raise error("deadline passed: the answer did not complete in time")
    return rest if timeout is None else min(timeout, rest)


class Aborted(httpcore.NetworkError):
    """The backend was aborted: no call starts, calls in flight end."""


class Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._live: set[_Stream] = set()
        self._lock = threading.Lock()
        self.aborted = False

    def abort(self) -> None:
        """End every call in flight now and refuse new ones. Takes no lock (it may run in a
        signal handler while this thread holds it)."""
        self.aborted = True
        for stream in list(self._live):
            stream.shut()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self.aborted:
            raise Aborted("stopping")
        inner = self._inner.connect_tcp(
            host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        with contextlib.suppress(OSError):  # many small requests: do not wait for Nagle
            inner.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._track(inner)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - no caller uses unix sockets
        raise httpcore.ConnectError("unix sockets are not used for outbound calls")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _track(self, inner: httpcore.NetworkStream) -> _Stream:
        sock = inner.get_extra_info("socket")
        # a plain TCP socket (not TLS: ssl.SSLSocket is a subclass) is read and written here
        stream = _PlainStream(inner, self, sock) if type(sock) is socket.socket else _Stream(inner, self)
        with self._lock:
            self._live.add(stream)
        if self.aborted:
            stream.shut()
        return stream

    def _forget(self, stream: _Stream) -> None:
        with self._lock:
            self._live.discard(stream)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: Backend) -> None:
        self._inner = inner
        self._backend = backend

    def shut(self) -> None:
        with contextlib.suppress(Exception):
            self._inner.get_extra_info("socket").shutdown(socket.SHUT_RDWR)

    def _check(self) -> None:
        if self._backend.aborted:
            raise Aborted("stopping")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        backend = self._backend
        if backend.aborted:
            raise Aborted("stopping")
        data = self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))
        if backend.aborted:
            raise Aborted("stopping")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self._backend.aborted:
            raise Aborted("stopping")
        if buffer:  # h11 hands over empty writes (a bodiless request's end): no clock, no call
            self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._backend._forget(self)
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self._check()
        self._backend._forget(self)
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return self._backend._track(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PlainStream(_Stream):
    """A plain TCP connection's reads and writes on its non-blocking socket: a write is one
    ``send`` (a socket with a timeout first waits in ``poll`` to be writable, which it nearly
    always is), a read one ``poll`` and one ``recv``; no ``settimeout`` per operation. Each of
    those calls lets another thread take the interpreter, and in a plan's 32 threads taking it
    back costs more than the call. The timeout and the deadline bound every wait, as before."""

    def __init__(self, inner: httpcore.NetworkStream, backend: Backend, sock: socket.socket) -> None:
        super().__init__(inner, backend)
        sock.setblocking(False)
        self._sock = sock
        self._readable = select.poll()
        self._readable.register(sock, select.POLLIN)
        self._writable = select.poll()
        self._writable.register(sock, select.POLLOUT)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        backend = self._backend
        if backend.aborted:
            raise Aborted("stopping")
        wait = _clamp(timeout, httpcore.ReadTimeout)
        try:
            while True:
                if not self._readable.poll(None if wait is None else wait * 1000):
                    raise httpcore.ReadTimeout("timed out")
                try:
                    data = self._sock.recv(max_bytes)
                    break
                except BlockingIOError:  # woken without data after all: wait again
                    wait = _clamp(timeout, httpcore.ReadTimeout)
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc
        if backend.aborted:
            raise Aborted("stopping")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self._backend.aborted:
            raise Aborted("stopping")
        if not buffer:
            return
        wait = _clamp(timeout, httpcore.WriteTimeout)
        try:
            while buffer:
                try:
                    buffer = buffer[self._sock.send(buffer) :]
                except BlockingIOError:  # the send buffer is full: wait until it drains
                    if not self._writable.poll(None if wait is None else wait * 1000):
                        raise httpcore.WriteTimeout("timed out") from None
                    wait = _clamp(timeout, httpcore.WriteTimeout)
        except OSError as exc:
            raise httpcore.WriteError(exc) from exc
