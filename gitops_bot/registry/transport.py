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
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Iterator

import httpx

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine)


class StdlibTransport(httpx.BaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle: int = 16) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    # -- connection pool -------------------------------------------------------------

    def _checkout(
        self, origin: tuple[str, str, int], timeout: float | None
    ) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(origin)
            if idle:
                conn = idle.pop()
                conn.timeout = timeout
                return conn, True
        scheme, host, port = origin
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ssl), False
        return http.client.HTTPConnection(host, port, timeout=timeout), False

    def _checkin(self, origin: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
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
        body = request.read()
        target = url.raw_path.decode("ascii")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        method = request.method

        for attempt in (0, 1):
            conn, reused = self._checkout(origin, connect_timeout)
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
                content = resp.read()
            except _STALE as exc:
                conn.close()
                # a pooled connection the server closed meanwhile: retry once on a fresh one
                if reused and attempt == 0 and method in _IDEMPOTENT:
                    continue
                raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
            except ssl.SSLError as exc:
                conn.close()
                raise httpx.ConnectError(str(exc), request=request) from exc
            except OSError as exc:
                conn.close()
                raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
            except http.client.HTTPException as exc:
                conn.close()
                raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
            if resp.will_close:
                conn.close()
            else:
                self._checkin(origin, conn)
            return httpx.Response(
                resp.status,
                headers=resp.getheaders(),
                stream=_Body(content),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": resp.reason.encode("latin-1")},
            )
        raise AssertionError("unreachable")


class _Body(httpx.SyncByteStream):
    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content
