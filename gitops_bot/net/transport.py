"""The transport under every outbound ``httpx`` call, and one bounded call.

:class:`Transport` routes each request to httpx's own ``HTTPTransport`` for its proxy
(:func:`~gitops_bot.net.proxy.proxy_for`, decided per URL so a redirect or a token realm on
another host gets its own decision), with TLS from :func:`~gitops_bot.net.tls.ssl_context`,
optional HTTP/2 (negotiated by ALPN; plain http stays HTTP/1.1), and the deadline/abort
backend of :mod:`.deadline` under every connection. Give it to an ``httpx.Client`` as
``transport=`` and ``trust_env=False`` (:func:`client` does both): proxies are decided here.

:func:`fetch` is one call with a total deadline and a streamed body stopped at its cap.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from gitops_bot.net import deadline as _deadline
from gitops_bot.net.limits import read_capped
from gitops_bot.net.proxy import proxy_for
from gitops_bot.net.tls import ssl_context as _ssl_context

DEFAULT_LIMIT = 8 << 20
USER_AGENT = "gitops-bot"


def _no_bytes_beyond_the_reply() -> None:
    """httpcore keeps an HTTP/1.1 connection for the next request even when the server sent
    more than its reply (a second reply in the same write, a body after a 204 or a HEAD's
    answer): h11 holds those bytes and would read them as the *next* request's answer. A
    connection with unread bytes after a complete reply is closed instead (once per process;
    every httpx user here benefits)."""
    from httpcore._sync import http11

    cls: Any = http11.HTTP11Connection
    original = cls._response_closed
    if getattr(original, "_gitops_bot", False):
        return

    def _response_closed(self: Any) -> None:
        state = getattr(self, "_h11_state", None)
        if state is not None and state.trailing_data[0]:
            with self._state_lock:
                self.close()
            return
        original(self)

    _response_closed._gitops_bot = True  # type: ignore[attr-defined]
    cls._response_closed = _response_closed


_no_bytes_beyond_the_reply()


SHARD = 4  # connections per httpcore pool (see Transport._route)
_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # for plain-http routes: no CA, never trusts


class Transport(httpx.BaseTransport):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
        http2: bool = False,
        max_connections: int = 32,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``ssl_context`` may be a function making it (called on the first https request);
        None: :func:`~gitops_bot.net.tls.ssl_context` without a private CA. ``env``: where the
        proxy variables are read (the process environment by default)."""
        self._ssl = ssl_context
        self._http2 = http2
        self._max = max_connections
        self._env = os.environ if env is None else env
        self.backend = _deadline.Backend()
        self._routes: dict[tuple[str | None, bool], tuple[httpx.HTTPTransport, ...]] = {}
        self._lock = threading.Lock()

    def abort(self) -> None:
        """SIGTERM: every call in flight ends, none starts."""
        self.backend.abort()

    def _context(self) -> ssl.SSLContext:
        if not isinstance(self._ssl, ssl.SSLContext):
            self._ssl = self._ssl() if self._ssl is not None else _ssl_context()
        return self._ssl

    def _route(self, proxy: str | None, https: bool) -> tuple[httpx.HTTPTransport, ...]:
        tls = https or proxy is not None  # a proxy may itself be https
        found = self._routes.get((proxy, tls))
        if found is not None:
            return found
        with self._lock:
            found = self._routes.get((proxy, tls))
            if found is None:
                # plain http never loads the trust store (~25 ms); its context trusts nothing
                verify = self._context() if tls else _NO_TLS
                # httpcore's pool matches every waiting request against every connection on
                # each event: O(n^2) at 32 in flight (a million is_idle calls and most of the
                # bot's CPU in a 1,000-image plan). Small pools, one per group of threads,
                # keep each match at SHARD x SHARD while the route still has _max connections.
                count = max(1, -(-self._max // SHARD))
                size = -(-self._max // count)
                shards = []
                for _ in range(count):
                    shard = httpx.HTTPTransport(
                        verify=verify,
                        http2=self._http2,
                        proxy=proxy,
                        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                        trust_env=False,
                    )
                    pool = getattr(shard, "_pool", None)
                    if pool is None or not hasattr(pool, "_network_backend"):  # pragma: no cover
                        raise RuntimeError("httpx changed: no network backend to enforce deadlines on")
                    pool._network_backend = self.backend
                    shards.append(shard)
                found = tuple(shards)
                self._routes[(proxy, tls)] = found
            return found

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        https = request.url.scheme == "https"
        shards = self._route(proxy_for(url, self._env), https)
        # a thread keeps to one pool, so its sequential requests reuse their connection
        return shards[threading.get_native_id() % len(shards)].handle_request(request)

    def close(self) -> None:
        with self._lock:
            routes = list(self._routes.values())
            self._routes.clear()
        for shards in routes:
            for r in shards:
                r.close()


@dataclass
class Reply:
    """A whole answer: what callers read after the connection is released."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str  # where it came from (after redirects)
    reason: str = ""
    history: list[Reply] = field(default_factory=list)  # replies before this one (auth, redirects)
    fields: dict[str, str] | None = field(default=None, repr=False)

    def header(self, name: str) -> str:
        """A header's value ("" when absent); repeated headers joined with ", "."""
        if self.fields is None:
            fields: dict[str, str] = {}
            for k, v in self.headers:
                k = k.lower()
                fields[k] = f"{fields[k]}, {v}" if k in fields else v
            self.fields = fields
        return self.fields.get(name.lower(), "")

    def all(self, name: str) -> list[str]:
        """Every value of a repeated header, in order (``WWW-Authenticate`` may be several)."""
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


def send(
    transport: httpx.BaseTransport,
    request: httpx.Request,
    *,
    timeout: float,
    limit: int = DEFAULT_LIMIT,
    raw: bool = True,
    connect_timeout: float | None = None,
) -> Reply:
    """One exchange through ``transport`` (no redirects followed, no auth), within ``timeout``
    seconds in all and ``limit`` body bytes. Raises httpx's exceptions, :class:`TooLarge`."""
    connect = min(timeout, 10.0 if connect_timeout is None else connect_timeout)
    request.extensions["timeout"] = {"connect": connect, "read": timeout, "write": timeout, "pool": timeout}
    with _deadline.until(time.monotonic() + timeout):
        response = transport.handle_request(request)
        try:
            response.request = request
            body = read_capped(response, limit, raw=raw)
        finally:
            response.close()
    return Reply(
        response.status_code,
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
        body,
        str(request.url),
        response.reason_phrase,
    )


def client(
    *,
    ca_file: str | None = None,
    env: Mapping[str, str] | None = None,
    http2: bool = False,
    max_connections: int = 32,
    **kwargs: Any,
) -> httpx.Client:
    """An ``httpx.Client`` over :class:`Transport` (proxies, trust with ``ca_file``, deadlines).
    Its own ``trust_env`` is off: with it on, httpx would mount proxy transports of its own
    from the environment in front of this one. Other ``kwargs`` (``auth``, ``headers``,
    ``base_url``, ``follow_redirects``...) go to ``httpx.Client``."""
    env = os.environ if env is None else env
    transport = Transport(
        ssl_context=lambda: _ssl_context(ca_file, env), http2=http2, max_connections=max_connections, env=env
    )
    kwargs.setdefault("headers", {"User-Agent": USER_AGENT})
    return httpx.Client(transport=transport, trust_env=False, **kwargs)


def fetch(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    timeout: float,
    limit: int = DEFAULT_LIMIT,
    **kwargs: object,
) -> Reply:
    """One call through an ``httpx.Client`` (made by :func:`client`; its auth, redirects and
    headers apply) ending
    within ``timeout`` seconds in all, the body streamed and stopped at ``limit`` bytes
    (decoded). Raises httpx's exceptions and :class:`~gitops_bot.net.limits.TooLarge`."""
    with (
        _deadline.until(time.monotonic() + timeout),
        client.stream(method, url, timeout=timeout, **kwargs) as response,  # type: ignore[arg-type]
    ):
        body = read_capped(response, limit)
    return Reply(
        response.status_code,
        list(response.headers.multi_items()),
        body,
        str(response.url),
        response.reason_phrase,
    )
