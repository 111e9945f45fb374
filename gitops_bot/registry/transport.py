"""The registry client's connections: keep-alive sockets pooled per origin, shared by threads.

:meth:`StdlibTransport.exchange` sends one request and reads the whole reply with
:mod:`gitops_bot.registry.wire` (socket and ``ssl`` from the standard library, no HTTP library
between): this is the registry client's hot path, one call per registry request. The class is
also an ``httpx.BaseTransport`` (:meth:`handle_request`), for code that holds an
``httpx.Client``. Why not httpx's default stack (httpcore + h11) or ``http.client``: registry
traffic is many tiny requests, and on a 2-core runner the client's CPU per request competes with
the registry's; bench/plan_bench.py measures both.

Scope, on purpose: HTTP/1.1, bodies read whole (registry answers are small: tag lists,
manifests, config blobs), TLS through the given ``ssl.SSLContext``. No proxies (``trust_env`` is
off for registries anyway). The pool keeps at most ``max_idle`` idle connections per origin
(the client sizes it to its concurrency), so a steady run reuses them all.

Hostile servers: the read timeout is a deadline for the whole response (one watchdog thread per
transport shuts down sockets past their deadline, so a server dripping one byte a second cannot
stretch it), a body longer than the limit is abandoned as soon as it passes the limit, and
:meth:`StdlibTransport.abort` shuts every in-flight socket down (SIGTERM while a registry hangs).
A connection goes back to the pool only after a whole, well-framed reply, and is taken from it
only while nothing is waiting on it: bytes a server sent beyond its reply, or before the next
request, would otherwise be read as the next request's answer.
"""

from __future__ import annotations

import contextlib
import io
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import SplitResult, urlsplit

import httpx

from gitops_bot.registry import wire

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_BODY_LIMIT = 4 << 20
_TICK = 0.25  # the deadline watchdog's resolution, seconds
_STALE = (wire.Stale, ConnectionResetError, BrokenPipeError)
_BAD_TARGET = re.compile(r"[^\x21-\x7e]")  # a request target is visible ASCII
Origin = tuple[str, str, int]


class BodyTooLarge(httpx.TransportError):
    """The response body passed the request's ``body_limit``; what was read is dropped."""


class Aborted(httpx.TransportError):
    """:meth:`StdlibTransport.abort` was called: no request starts, in-flight ones end."""


class _Conn:
    __slots__ = ("rfile", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.rfile: io.BufferedReader = sock.makefile("rb")

    def clean(self) -> bool:
        """Nothing is waiting to be read (the socket is non-blocking while idle), so what comes
        after the next request is its answer. An idle connection the server closed looks clean:
        the request's read finds it stale and is retried."""
        try:
            return not self.rfile.peek(1)
        except (BlockingIOError, ssl.SSLWantReadError):
            return True
        except OSError:
            return False

    def shut(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.rfile.close()
        with contextlib.suppress(OSError):  # even when the buffered reader's close failed
            self.sock.close()


class StdlibTransport(httpx.BaseTransport):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
        max_idle: int = 16,
    ) -> None:
        """``ssl_context`` may be a function making it, called on the first https connection."""
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._idle_count = 0  # over all origins: a registry redirecting to many cannot pile them up
        self._idle: dict[Origin, list[_Conn]] = {}
        self._busy: dict[_Conn, float] = {}  # in flight -> its deadline
        self._aborted = False
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._closed = False
        self._origins: dict[str, tuple[Origin, str]] = {}  # "scheme://host:port" -> (origin, Host)

    def abort(self) -> None:
        """End every in-flight request now and refuse new ones (called from a signal handler's
        thread: shutting a socket down wakes the thread blocked reading it). Takes no lock: a
        signal handler runs in the main thread, which may hold it at that moment."""
        self._aborted = True
        for conn in list(self._busy):  # one step under the GIL
            conn.shut()

    def _watch(self) -> None:
        """One thread per transport ends requests past their deadline even while headers drip
        in (a socket timeout only bounds each read); it wakes four times a second, and ends
        once the transport is closed and nothing is in flight."""
        while True:
            time.sleep(_TICK)
            now = time.monotonic()
            with self._lock:  # shut while still busy: never a connection back in the pool
                for conn, deadline in self._busy.items():
                    if deadline <= now:
                        conn.shut()
                if self._closed and not self._busy:
                    self._watchdog = None
                    return

    # -- connection pool -------------------------------------------------------------

    def _checkout(self, origin: Origin) -> _Conn | None:
        """An idle connection to ``origin`` with nothing waiting on it, if there is one."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                if not idle:
                    return None
                conn = idle.pop()
                self._idle_count -= 1
            if conn.clean():
                return conn
            conn.close()

    def _track(self, conn: _Conn, deadline: float | None) -> None:
        """``conn`` is in flight until ``deadline`` (the watchdog started when first needed)."""
        with self._lock:
            self._busy[conn] = deadline if deadline is not None else float("inf")
            if deadline is not None and self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="registry-deadlines", daemon=True)
                self._watchdog.start()

    def _connect(self, origin: Origin, timeout: float | None) -> _Conn:
        scheme, host, port = origin
        sock = socket.create_connection((host, port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = self._ssl_context().wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        return _Conn(sock)

    def _ssl_context(self) -> ssl.SSLContext:
        with self._lock:
            if not isinstance(self._ssl, ssl.SSLContext):
                self._ssl = self._ssl() if self._ssl is not None else ssl.create_default_context()
            return self._ssl

    def _drop(self, conn: _Conn) -> None:
        with self._lock:
            self._busy.pop(conn, None)
        conn.close()

    def _checkin(self, origin: Origin, conn: _Conn) -> None:
        with contextlib.suppress(OSError):
            conn.sock.settimeout(0)  # idle: non-blocking, for clean()
        with self._lock:
            self._busy.pop(conn, None)
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle and self._idle_count < 4 * self._max_idle and not self._closed:
                idle.append(conn)
                self._idle_count += 1
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True  # the watchdog ends once nothing is in flight
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
            self._idle_count = 0
        for c in conns:
            c.close()

    # -- requests --------------------------------------------------------------------

    def exchange(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        limit: int = DEFAULT_BODY_LIMIT,
    ) -> wire.Reply:
        """Send one request (``Host`` is the URL's; ``headers`` are the others) and read the
        whole reply within ``timeout`` seconds and ``limit`` bytes. Failures are httpx's
        exceptions."""
        origin, host, target = self._split(url)
        deadline = time.monotonic() + timeout if timeout else None
        if self._aborted:
            raise Aborted("stopping")
        try:
            data = wire.encode_request(method, target, [("Host", host), *headers], body)
        except ValueError as exc:
            raise httpx.LocalProtocolError(str(exc)) from None
        for attempt in (0, 1):
            conn = self._checkout(origin)
            reused = conn is not None
            try:
                if conn is None:
                    conn = self._connect(origin, connect_timeout if connect_timeout is not None else timeout)
                self._track(conn, deadline)
                if self._aborted:
                    raise OSError("stopping")
                if conn.sock.gettimeout() != timeout:  # settimeout is a syscall; usually the same
                    conn.sock.settimeout(timeout)
                conn.sock.sendall(data)
                reply = wire.read_reply(conn.rfile, method, limit, deadline, url)
            except wire.TooLarge as exc:
                if conn is not None:
                    self._drop(conn)
                raise BodyTooLarge(str(exc)) from None
            except (OSError, wire.Broken) as exc:  # ssl, timeouts, resets included
                if conn is not None:
                    self._drop(conn)
                if attempt == 0 and self._stale_retry(exc, reused, method, deadline):
                    continue
                raise self._mapped(exc, deadline) from exc
            except BaseException:  # anything else (KeyboardInterrupt): never a leaked socket
                if conn is not None:
                    self._drop(conn)
                raise
            if reply.will_close:
                self._drop(conn)
            else:
                self._checkin(origin, conn)
            return reply
        raise AssertionError("unreachable")

    def _stale_retry(self, exc: Exception, reused: bool, method: str, deadline: float | None) -> bool:
        """A pooled connection the server closed meanwhile: retry once on a fresh one (not when
        abort() or the watchdog ended it: that EOF is ours)."""
        return (
            isinstance(exc, _STALE)
            and reused
            and method in _IDEMPOTENT
            and not self._aborted
            and (deadline is None or time.monotonic() < deadline)
        )

    def _mapped(self, exc: Exception, deadline: float | None) -> httpx.TransportError:
        """The socket's and the wire's exceptions as httpx's (what the client sorts)."""
        if self._aborted:
            return Aborted("stopping")
        if deadline is not None and time.monotonic() >= deadline:  # the watchdog's doing
            return httpx.ReadTimeout("response not complete within the deadline")
        text = str(exc) or type(exc).__name__
        if isinstance(exc, (*_STALE, wire.Broken)):
            return httpx.RemoteProtocolError(text)
        if isinstance(exc, TimeoutError):
            return httpx.ReadTimeout(text)
        return httpx.ConnectError(text)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The same exchange for an ``httpx.Client`` (timeouts and ``body_limit`` read from the
        request's extensions)."""
        timeouts = request.extensions.get("timeout", {})
        headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw if k.lower() != b"host"
        ]
        try:
            reply = self.exchange(
                request.method,
                str(request.url),
                headers,
                request.read(),
                timeout=timeouts.get("read"),
                connect_timeout=timeouts.get("connect", timeouts.get("read")),
                limit=int(request.extensions.get("body_limit", DEFAULT_BODY_LIMIT)),
            )
        except httpx.TransportError as exc:
            exc.request = request
            raise
        return httpx.Response(
            reply.status,
            headers=reply.headers,
            stream=_Body(reply.body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reply.reason.encode("latin-1")},
        )

    def _split(self, url: str) -> tuple[Origin, str, str]:
        """(scheme, host, port), the Host header and the request target of an absolute URL;
        a plain ``scheme://host:port`` prefix is parsed once and remembered."""
        at = url.find("/", url.find("//") + 2)
        prefix, target = (url, "/") if at < 0 else (url[:at], url[at:])
        plain = not any(c in prefix for c in "?#@")
        found = self._origins.get(prefix) if plain else None
        if found is None:
            parts = urlsplit(url)
            found, target = _origin(parts), (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if plain and len(self._origins) < 64:
                self._origins[prefix] = found
        elif "#" in target:
            target = target.split("#", 1)[0]
        if _BAD_TARGET.search(target):
            raise httpx.InvalidURL(f"invalid URL {url[:80]!r}")
        return found[0], found[1], target


def _origin(parts: SplitResult) -> tuple[Origin, str]:
    """(scheme, host, port) of an absolute http(s) URL, and its Host header."""
    if parts.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"unsupported URL scheme {parts.scheme!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise httpx.InvalidURL(f"invalid port in {parts.geturl()[:80]!r}") from None
    if not parts.hostname:
        raise httpx.InvalidURL(f"no host in {parts.geturl()[:80]!r}")
    return (parts.scheme, parts.hostname, port), parts.netloc.rpartition("@")[2]


class _Body(httpx.SyncByteStream):
    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content
