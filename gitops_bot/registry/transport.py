"""A small httpx transport on the standard library's ``http.client``.

Why not httpx's default (httpcore + h11): registry traffic is many tiny requests (a tag list, a
HEAD) and on a 2-core runner the client's CPU per request competes with everything else. The
default stack spends about 1.6 ms of CPU per request here; this one about half of that, which
is what brings ``plan`` over 200 repositories inside its budget (bench/plan_bench.py). The
``httpx.Client`` above it is unchanged: auth flows, redirects, timeouts and MockTransport-based
tests work the same.

Scope, on purpose: HTTP/1.1, keep-alive connections pooled per origin and shared by threads,
bodies read whole (registry answers are small: tag lists, manifests, config blobs), TLS through
the given ``ssl.SSLContext``. No proxies (``trust_env`` is off for registries anyway).

Hostile servers: the read timeout is a deadline for the whole response (a server dripping one
byte a second cannot stretch it), a body longer than the request's ``body_limit`` extension is
abandoned as soon as it passes the limit, and :meth:`StdlibTransport.abort` shuts every
in-flight socket down (SIGTERM while a registry hangs).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import httpx

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_BODY_LIMIT = 4 << 20
_TICK = 0.25  # the deadline watchdog's resolution, seconds
_CHUNK = 64 << 10
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine)


class BodyTooLarge(httpx.TransportError):
    """The response body passed the request's ``body_limit``; what was read is dropped."""


class Aborted(httpx.TransportError):
    """:meth:`StdlibTransport.abort` was called: no request starts, in-flight ones end."""


class StdlibTransport(httpx.BaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle: int = 16) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._busy: dict[http.client.HTTPConnection, float] = {}  # in flight -> its deadline
        self._aborted = False
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._closed = False

    def abort(self) -> None:
        """End every in-flight request now and refuse new ones (called from a signal handler's
        thread: shutting a socket down wakes the thread blocked reading it)."""
        with self._lock:
            self._aborted = True
            busy = list(self._busy)
        _shut(busy)

    def _watch(self) -> None:
        """One thread per transport ends requests past their deadline even while headers drip
        in (a socket timeout only bounds each read); it wakes four times a second."""
        while not self._closed:
            time.sleep(_TICK)
            now = time.monotonic()
            with self._lock:
                late = [c for c, deadline in self._busy.items() if deadline <= now]
            _shut(late)

    # -- connection pool -------------------------------------------------------------

    def _checkout(
        self, origin: tuple[str, str, int], timeout: float | None, deadline: float | None
    ) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(origin)
            conn: http.client.HTTPConnection | None = idle.pop() if idle else None
            if deadline is not None and self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="registry-deadlines", daemon=True)
                self._watchdog.start()
        scheme, host, port = origin
        reused = conn is not None
        if conn is not None:
            conn.timeout = timeout
        elif scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        with self._lock:
            self._busy[conn] = deadline if deadline is not None else float("inf")
        return conn, reused

    def _release(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._busy.pop(conn, None)

    def _checkin(self, origin: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._busy.pop(conn, None)
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        self._closed = True  # the watchdog ends on its next tick
        with self._lock:
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for c in conns:
            c.close()

    # -- requests --------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        origin = (scheme, url.host, port)
        timeouts = request.extensions.get("timeout", {})
        read_timeout = timeouts.get("read")
        connect_timeout = timeouts.get("connect", read_timeout)
        deadline = time.monotonic() + read_timeout if read_timeout else None
        limit = int(request.extensions.get("body_limit", DEFAULT_BODY_LIMIT))
        if self._aborted:
            raise Aborted("stopping", request=request)
        body = request.read()
        target = url.raw_path.decode("ascii")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        method = request.method

        for attempt in (0, 1):
            conn, reused = self._checkout(origin, connect_timeout, deadline)
            try:
                if conn.sock is None:
                    conn.connect()  # bounded by the connect timeout
                assert conn.sock is not None
                conn.sock.settimeout(read_timeout)
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body or None)
                resp = conn.getresponse()
                content = _read_body(resp, conn, deadline, limit, request)
            except (OSError, http.client.HTTPException) as exc:  # ssl, timeouts, resets included
                conn.close()
                self._release(conn)
                # a pooled connection the server closed meanwhile: retry once on a fresh one
                if isinstance(exc, _STALE) and reused and attempt == 0 and method in _IDEMPOTENT:
                    continue
                raise self._mapped(exc, request, deadline) from exc
            except BodyTooLarge:
                conn.close()
                self._release(conn)
                raise
            if resp.will_close:
                conn.close()
                self._release(conn)
            else:
                self._checkin(origin, conn)
            return httpx.Response(
                resp.status,
                headers=resp.getheaders(),
                stream=_Body(content),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": resp.reason.encode("latin-1")},
            )
        raise AssertionError("unreachable")

    def _mapped(self, exc: Exception, request: httpx.Request, deadline: float | None) -> httpx.TransportError:
        """http.client's and the socket's exceptions as httpx's (what the client sorts)."""
        if self._aborted:
            return Aborted("stopping", request=request)
        if deadline is not None and time.monotonic() >= deadline:  # the watchdog's doing
            return httpx.ReadTimeout("response not complete within the deadline", request=request)
        text = str(exc) or type(exc).__name__
        if isinstance(exc, (_STALE, http.client.HTTPException)):
            return httpx.RemoteProtocolError(text, request=request)
        if isinstance(exc, TimeoutError):
            return httpx.ReadTimeout(text, request=request)
        return httpx.ConnectError(text, request=request)


def _shut(conns: list[http.client.HTTPConnection]) -> None:
    for conn in conns:
        if conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)


def _read_body(
    resp: http.client.HTTPResponse,
    conn: http.client.HTTPConnection,
    deadline: float | None,
    limit: int,
    request: httpx.Request,
) -> bytes:
    """The whole body, within ``deadline`` (monotonic) and ``limit`` bytes."""
    declared = resp.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body of {declared} bytes is over the limit of {limit}", request=request)
    parts: list[bytes] = []
    size = 0
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("response not complete within the deadline")
            if conn.sock is not None:
                conn.sock.settimeout(left)
        chunk = resp.read1(_CHUNK)
        if not chunk:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("response not complete within the deadline")  # the watchdog cut it
            if resp.length:  # Content-Length said more was coming: a cut, not the end
                raise http.client.IncompleteRead(b"".join(parts), resp.length)
            resp.read()  # marks the response done, so the connection can be reused
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body is over the limit of {limit} bytes", request=request)
        parts.append(chunk)


class _Body(httpx.SyncByteStream):
    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content
