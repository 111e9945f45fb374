"""The transport under every outbound ``httpx`` call, and one bounded call.

:class:`Transport` routes each request to httpx's own ``HTTPTransport`` for its proxy
(:func:`~gitops_bot.net.proxy.proxy_for`, decided per URL so a redirect or a token realm on
another host gets its own decision), with TLS from :func:`~gitops_bot.net.tls.ssl_context`,
optional HTTP/2 (negotiated by ALPN; plain http stays HTTP/1.1), and the deadline/abort
backend of :mod:`.deadline` under every connection. A direct connection (no proxy) that lands
on a cloud's metadata address (:func:`~gitops_bot.core.secret.metadata_address`: the
address connected to, so a name resolving to one is caught as an address written) is closed
before a byte is sent, unless the transport is a cloud login's (``metadata=True``), the one
caller that asks the machine's own identity. Give it to an ``httpx.Client`` as
``transport=`` and ``trust_env=False`` (:func:`client` does both): proxies are decided here.
A registry's requests (:meth:`Transport.exchange`) go on the same pools, below httpx's request
and response objects: one set of connections per route, whoever asks.

:func:`fetch` is one call with a total deadline and a streamed body stopped at its cap.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import ipaddress
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

import httpcore

from gitops_bot.core.record import record
from gitops_bot.core.secret import metadata_address
from gitops_bot.net import deadline as _deadline
from gitops_bot.net import internals
from gitops_bot.net.limits import TooLarge, read_capped
from gitops_bot.net.proxy import proxy_for
from gitops_bot.net.tls import ssl_context as _ssl_context

DEFAULT_LIMIT = 8 << 20
USER_AGENT = "gitops-bot"


SHARD = 4  # connections per httpcore pool (see Transport._route)

if TYPE_CHECKING:
    import httpx
    from httpx import BaseTransport as _Face
else:

    class _Face:
        """What an ``httpx.Client`` calls of its transport (``httpx.BaseTransport``'s
        ``__enter__``, ``__exit__``, ``handle_request``, ``close``), without importing httpx:
        a plan's registry requests go on httpcore, and httpx's import is ~10 % of its start-up."""

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()


# for plain-http routes: no CA, never trusts. Made at the first such route, not at import: making
# one is ~6-10 M instructions (about 1 % of a one-image plan's start-up) a run whose registries are all
# https never uses
@functools.cache
def _no_tls() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Transport(_Face):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
        http2: bool = False,
        max_connections: int = 32,
        env: Mapping[str, str] | None = None,
        metadata: bool = False,
        keepalive: float = 5.0,
        per_pool: int = SHARD,
    ) -> None:
        """``ssl_context`` may be a function making it (called on the first https request);
        None: :func:`~gitops_bot.net.tls.ssl_context` without a private CA. ``env``: where the
        proxy variables are read (the process environment by default). ``metadata``: a cloud
        login's, which asks the machine's metadata service directly (never a configuration's).
        ``keepalive``: seconds an idle connection is kept for the next request (httpx's 5 s);
        ``per_pool``: connections a pool of a route holds (see :meth:`_route`)."""
        self._ssl = ssl_context
        self._http2 = http2
        self._max = max_connections
        self._keepalive = keepalive
        self._per_pool = per_pool
        self._env = os.environ if env is None else env
        self.backend = _deadline.Backend()
        self._metadata = metadata
        # a direct route's connections: refused when they land on a metadata address
        self._direct: httpcore.NetworkBackend = self.backend if metadata else _NoMetadata(self.backend)
        self._routes: dict[tuple[str | None, bool], tuple[httpcore.ConnectionPool, ...]] = {}
        # a pool's httpx transport, made when an httpx client first sends on it (a proxy
        # route's is httpx's own, which built its pool)
        self._faces: dict[httpcore.ConnectionPool, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()
        self._mine = threading.local()  # the shard index of this thread (see _shard)
        self._threads = 0
        # origin ("scheme://host:port") -> its proxy or None: the environment a process was
        # started with does not change under it, and reading and matching it (``NO_PROXY``
        # entries, the URL split) for each of thousands of requests cost more than the pool
        self._proxies: dict[str, str | None] = {}

    def abort(self) -> None:
        """SIGTERM: every call in flight ends, none starts."""
        self.backend.abort()

    def _context(self) -> ssl.SSLContext:
        if not isinstance(self._ssl, ssl.SSLContext):
            self._ssl = self._ssl() if self._ssl is not None else _ssl_context()
        return self._ssl

    def _route(self, proxy: str | None, https: bool) -> tuple[httpcore.ConnectionPool, ...]:
        tls = https or proxy is not None  # a proxy may itself be https
        found = self._routes.get((proxy, tls))
        if found is not None:
            return found
        with self._lock:
            found = self._routes.get((proxy, tls))
            if found is None:
                # plain http never loads the trust store (~25 ms); its context trusts nothing
                verify = self._context() if tls else _no_tls()
                # httpcore's pool matches every waiting request against every connection on
                # each event, and counts the idle ones again for each: O(n^2) and more at 64 in
                # flight. One pool of 64 tripled a 1,000-image plan's CPU (3.1 s -> 8.1 s) and
                # doubled its wall (9.1 s -> 17.5 s; bench/trees_bench.py, 5 runs at load 16).
                # Pools of SHARD connections, one per group of threads, keep each match small
                # while the route still holds _max connections in all.
                count = max(1, -(-self._max // self._per_pool))
                size = -(-self._max // count)
                shards = []
                for _ in range(count):
                    if proxy is None:  # as httpx.HTTPTransport builds a direct route's pool
                        shards.append(
                            httpcore.ConnectionPool(
                                ssl_context=verify,
                                max_connections=size,
                                max_keepalive_connections=size,
                                keepalive_expiry=self._keepalive,
                                http1=True,
                                http2=self._http2,
                                network_backend=self._direct,
                            )
                        )
                        continue
                    import httpx  # a proxy (http, https or socks) is httpx's to speak to

                    face = httpx.HTTPTransport(
                        verify=verify,
                        http2=self._http2,
                        proxy=proxy,
                        limits=httpx.Limits(
                            max_connections=size,
                            max_keepalive_connections=size,
                            keepalive_expiry=self._keepalive,
                        ),
                        trust_env=False,
                    )
                    # through a proxy the connection is to the proxy the environment names
                    pool = internals.pool_with_backend(face, self.backend)
                    self._faces[pool] = face
                    shards.append(pool)
                found = tuple(shards)
                self._routes[(proxy, tls)] = found
            return found

    def _proxy(self, url: str) -> str | None:
        end = url.find("/", url.find("//") + 2)
        origin = url if end < 0 else url[:end]
        try:
            return self._proxies[origin]
        except KeyError:
            found = self._proxies[origin] = proxy_for(url, self._env, metadata=self._metadata)
            return found

    def _shard(self, proxy: str | None, https: bool) -> httpcore.ConnectionPool:
        shards = self._route(proxy, https)
        # a thread keeps to one pool, so its sequential requests reuse their connection; threads
        # are dealt to pools in turn (not by thread id, which may crowd some pools and leave
        # others empty)
        index: int | None = getattr(self._mine, "index", None)
        if index is None:
            with self._lock:
                index = self._mine.index = self._threads
                self._threads += 1
        return shards[index % len(shards)]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url, https = str(request.url), request.url.scheme == "https"
        proxy = self._proxy(url)
        pool = self._shard(proxy, https)
        face = self._faces.get(pool)
        if face is None:
            with self._lock:
                face = self._faces.get(pool)
                if face is None:  # a direct route's pool (a proxy route's was made with its own)
                    context = self._context() if https or proxy is not None else _no_tls()
                    face = self._faces[pool] = internals.over_pool(pool, context)
        return face.handle_request(request)

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float,
        limit: int,
        connect_timeout: float,
    ) -> Reply:
        """One exchange straight on httpcore (as :func:`send`, without building httpx's
        request and response around it: at 2 requests an image those cost about a quarter
        of the CPU of a plan's HTTP). ``url`` is one :func:`exchange` accepts as it is."""
        scheme, _, netloc, target = url.split("/", 3)
        https = scheme == "https:"
        port_at = netloc.rfind(":")
        host, port = (
            (netloc, None) if port_at <= netloc.rfind("]") else (netloc[:port_at], int(netloc[port_at + 1 :]))
        )
        if port == (443 if https else 80):
            port, netloc = None, host
        head = [(b"Host", netloc.encode("ascii"))]
        head.extend(
            (k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()
        )  # as httpx encodes them
        if body or method in ("POST", "PUT", "PATCH"):
            head.append((b"Content-Length", str(len(body)).encode("ascii")))
        request = httpcore.Request(
            method.encode("ascii"),
            httpcore.URL(
                scheme=b"https" if https else b"http",
                host=host.strip("[]").encode("ascii"),
                port=port,
                target=b"/" + target.encode("ascii"),
            ),
            headers=head,
            # no body: an empty iterable, so h11 is handed no empty Data event to frame and write
            content=body or (),
            extensions={
                "timeout": {"connect": connect_timeout, "read": timeout, "write": timeout, "pool": timeout}
            },
        )
        with _deadline.until(time.monotonic() + timeout):
            try:
                response = self._shard(self._proxy(url), https).handle_request(request)
                chunks = _read(response, limit)
            except Exception:
                # httpcore's exceptions as httpx's (the mapping looked up only when one is raised)
                with as_httpx_errors():
                    raise
        reason = response.extensions.get("reason_phrase", b"")
        return Reply(
            response.status,
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers],
            b"".join(chunks),
            url,
            reason.decode("latin-1") if isinstance(reason, bytes) else "",
        )

    def close(self) -> None:
        with self._lock:
            routes = list(self._routes.values())
            self._routes.clear()
            self._faces.clear()
        for shards in routes:
            for r in shards:
                r.close()


# -- connections kept across a long-running process's services ------------------------------

# an origin's kept connections, in one pool (few requests in flight: httpcore's matching of each
# against each stays small): a fleet's parallel repositories ask at once
KEPT_CONNECTIONS = 16
# seconds a kept connection may wait idle: two of a watch's default 5-minute intervals. A server
# that closes it sooner is noticed before it is used (it reads as closed), and a new one is made
KEPT_IDLE = 600.0


class KeptConnections:
    """The connections a long-running process (``watch``) keeps across its cycles: one
    :class:`Transport` per origin, taken by every service that asks to keep its connections
    (a forge's API, asked by every repository's run every cycle) while :func:`keeping` is in
    force, where each run made a client, a pool and a connection (a TLS handshake) of its own
    and dropped them. A transport holds connections, never a credential: each service still
    adds its own to its requests to its own origin only. :meth:`close` closes them all."""

    def __init__(self) -> None:
        self._by_origin: dict[tuple[str, str, int], Transport] = {}
        self._lock = threading.Lock()

    def lend(self, origin: tuple[str, str, int]) -> httpx.BaseTransport:
        """The kept transport of ``origin`` (made on its first asking), for one client."""
        with self._lock:
            found = self._by_origin.get(origin)
            if found is None:
                # one pool: a thread is dealt a pool when it first asks, and a fleet's
                # repositories run on new threads each cycle, which in pools of SHARD found the
                # connection kept in another pool and opened one more
                found = Transport(
                    max_connections=KEPT_CONNECTIONS, keepalive=KEPT_IDLE, per_pool=KEPT_CONNECTIONS
                )
                self._by_origin[origin] = found
        return _Lent(found)

    def close(self) -> None:
        with self._lock:
            kept = list(self._by_origin.values())
            self._by_origin.clear()
        for transport in kept:
            transport.close()


class _Lent(_Face):
    """A kept transport as one client holds it: the client's close leaves the connections kept."""

    def __init__(self, kept: Transport) -> None:
        self._kept = kept

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._kept.handle_request(request)

    def close(self) -> None:
        pass


_KEPT: contextvars.ContextVar[KeptConnections | None] = contextvars.ContextVar("net_kept", default=None)


@contextlib.contextmanager
def keeping(kept: KeptConnections) -> Iterator[None]:
    """Services asking to keep their connections take ``kept``'s inside (and in what is run
    with a copy of this context: a fleet's repositories' threads)."""
    token = _KEPT.set(kept)
    try:
        yield
    finally:
        _KEPT.reset(token)


def kept() -> KeptConnections | None:
    """The connections kept where this runs (:func:`keeping`), or None."""
    return _KEPT.get()


class MetadataRefused(httpcore.ConnectError):
    """A connection that landed on a cloud's metadata address, not a cloud login's."""


class _NoMetadata(httpcore.NetworkBackend):
    """The backend of direct routes: a connection is made by the inner backend (its
    deadline, its abort), then the address it reached is judged, whatever name led there."""

    def __init__(self, inner: _deadline.Backend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            peer = stream.get_extra_info("socket").getpeername()[0]
            landed = metadata_address(ipaddress.ip_address(peer))
        except (OSError, ValueError, AttributeError, IndexError):
            landed = True  # an address that cannot be told is not trusted to be another
            peer = "an address it could not tell"
        if landed:
            stream.close()
            named = host.strip("[]")
            at = "" if named == peer.partition("%")[0] else f" ({peer})"
            raise MetadataRefused(f"{named} is this machine's cloud metadata service{at}")
        return stream

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - no caller uses unix sockets
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def httpx_errors() -> dict[type[Exception], type[httpx.HTTPError]]:
    """httpcore's exceptions and the httpx ones httpx.HTTPTransport raises for them (both
    public): made when the first is raised, httpx imported then."""
    import httpx

    return {
        httpcore.TimeoutException: httpx.TimeoutException,
        httpcore.ConnectTimeout: httpx.ConnectTimeout,
        httpcore.ReadTimeout: httpx.ReadTimeout,
        httpcore.WriteTimeout: httpx.WriteTimeout,
        httpcore.PoolTimeout: httpx.PoolTimeout,
        httpcore.NetworkError: httpx.NetworkError,
        httpcore.ConnectError: httpx.ConnectError,
        httpcore.ReadError: httpx.ReadError,
        httpcore.WriteError: httpx.WriteError,
        httpcore.ProxyError: httpx.ProxyError,
        httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
        httpcore.ProtocolError: httpx.ProtocolError,
        httpcore.LocalProtocolError: httpx.LocalProtocolError,
        httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    }


@contextlib.contextmanager
def as_httpx_errors() -> Iterator[None]:
    """An httpcore exception raised inside leaves as the most specific httpx one, with its
    message, as from an ``httpx.Client`` (callers catch httpx's classes only)."""
    try:
        yield
    except Exception as exc:
        mapped: type[httpx.HTTPError] | None = None
        for source, target in httpx_errors().items():
            if isinstance(exc, source) and (mapped is None or issubclass(target, mapped)):
                mapped = target
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


def _read(response: httpcore.Response, limit: int) -> list[bytes]:
    """The body's chunks, stopped at ``limit`` bytes (:class:`TooLarge`); the response is
    closed whatever happens (which releases its connection)."""
    try:
        length = next((v for k, v in response.headers if k.lower() == b"content-length"), b"")
        if length.isdigit() and int(length) > limit:
            raise TooLarge(limit)
        chunks = []
        size = 0
        for chunk in response.stream:  # type: ignore[union-attr]
            size += len(chunk)
            if size > limit:
                raise TooLarge(limit)
            chunks.append(chunk)
        return chunks
    finally:
        response.close()


@record(frozen=False, slots=False)
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


# A URL :meth:`Transport.exchange` sends as it is: absolute http(s), an ASCII host (a name, an
# IPv4 or a bracketed IPv6 address) with an optional port, and a path and query of the
# characters a URL may hold unescaped. Anything else goes through httpx's URL parser, which
# normalises or refuses it.
_PLAIN_URL = re.compile(
    r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*"
)


def exchange(
    transport: httpx.BaseTransport,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes = b"",
    *,
    timeout: float,
    limit: int = DEFAULT_LIMIT,
    connect_timeout: float | None = None,
) -> Reply:
    """One exchange as :func:`send` makes it (``User-Agent`` is the caller's to give), the body
    as sent: on a :class:`Transport` and a plain URL straight on httpcore, else through an
    ``httpx.Request`` (a test's ``MockTransport``, a URL httpx must normalise)."""
    connect = min(timeout, 10.0 if connect_timeout is None else connect_timeout)
    if isinstance(transport, Transport) and _PLAIN_URL.fullmatch(url):
        return transport.exchange(
            method, url, headers, body, timeout=timeout, limit=limit, connect_timeout=connect
        )
    import httpx  # a test's transport, or a URL httpx must normalise: httpx's objects

    request = httpx.Request(method, url, headers=headers, content=body or None)
    return send(transport, request, timeout=timeout, limit=limit, connect_timeout=connect)


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
    import httpx

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
