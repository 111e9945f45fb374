"""One registry host's requests: credentials applied, 401 challenges answered, redirects
followed, over a transport.

With :class:`~gitops_bot.registry.transport.StdlibTransport` (what the client uses unless
given another) a request costs one :meth:`~StdlibTransport.exchange` call and no httpx object;
any other ``httpx.BaseTransport`` (tests' ``MockTransport``) gets an ``httpx.Request`` with the
same timeouts and ``body_limit`` extensions, so both run the same auth and redirect code.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from gitops_bot.registry.auth import RegistryAuth
from gitops_bot.registry.transport import DEFAULT_BODY_LIMIT, StdlibTransport
from gitops_bot.registry.wire import Reply, Request

MAX_REDIRECTS = 20  # httpx's default
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "gitops-bot"

# (request, read timeout, connect timeout, body limit) -> the whole reply
Exchange = Callable[[Request, "float | None", "float | None", int], Reply]


class Session:
    def __init__(self, base_url: str, transport: httpx.BaseTransport, auth: RegistryAuth) -> None:
        self.base_url = base_url
        self.transport = transport
        self.auth = auth
        self._exchange = _exchange_for(transport)

    def close(self) -> None:
        self.transport.close()

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        limit: int = DEFAULT_BODY_LIMIT,
    ) -> Reply:
        """``url`` absolute, or a path on the registry. The reply's ``history`` holds the replies
        before it (auth round-trips, redirects), for the request count. ``timeout`` bounds them
        all together: a registry answering with redirect after slow redirect cannot stretch it."""
        if url.startswith("/"):
            url = self.base_url + url
        flow = self.auth.flow(Request(method, url, {"Accept": "*/*", **(headers or {})}))
        request = next(flow)
        history: list[Reply] = []
        deadline = time.monotonic() + timeout if timeout is not None else None
        while True:
            reply = self._follow(request, deadline, connect_timeout, limit, history)
            try:
                request = flow.send(reply)
            except StopIteration:
                reply.history = history
                return reply
            history.append(reply)

    def _follow(
        self,
        request: Request,
        deadline: float | None,
        connect_timeout: float | None,
        limit: int,
        history: list[Reply],
    ) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            timeout = None
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    raise httpx.ReadTimeout("response not complete within the deadline")
                connect_timeout = min(connect_timeout, timeout) if connect_timeout is not None else None
            reply = self._exchange(request, timeout, connect_timeout, limit)
            location = reply.header("Location") if reply.status in _REDIRECTS else ""
            if not location:
                return reply
            history.append(reply)
            request = _redirected(request, reply.status, location)
        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.")


def _redirected(request: Request, status: int, location: str) -> Request:
    """The request a redirect asks for, as httpx builds it: 303 (and 301/302 after a POST)
    becomes a GET without a body; the Authorization header never goes to another origin. Nor
    does a body (a 307/308 would resend it): the one request with a body is a token request
    whose body holds the refresh token."""
    try:
        url = httpx.URL(request.url).join(location)
    except httpx.InvalidURL as exc:
        raise httpx.RemoteProtocolError(f"unreadable redirect location: {exc}") from None
    if url.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"redirect to unsupported URL scheme {url.scheme!r}")
    method = request.method
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    headers = dict(request.headers)
    before = httpx.URL(request.url)
    body = request.body
    if method != request.method:
        body = b""
        for name in ("Content-Type", "Content-Length"):
            headers.pop(name, None)
    if (url.scheme, url.host, url.port) != (before.scheme, before.host, before.port):
        headers.pop("Authorization", None)
        if body:
            raise httpx.UnsupportedProtocol(f"redirect of a {method} with a body to another origin refused")
    return Request(method, str(url), headers, body)


def _exchange_for(transport: httpx.BaseTransport) -> Exchange:
    if isinstance(transport, StdlibTransport):
        exchange = transport.exchange

        def direct(request: Request, timeout: float | None, connect: float | None, limit: int) -> Reply:
            headers = [("User-Agent", USER_AGENT), *request.headers.items()]
            if request.body:
                headers.append(("Content-Length", str(len(request.body))))
            return exchange(
                request.method,
                request.url,
                headers,
                request.body,
                timeout=timeout,
                connect_timeout=connect,
                limit=limit,
            )

        return direct

    def via_httpx(request: Request, timeout: float | None, connect: float | None, limit: int) -> Reply:
        sent = httpx.Request(
            request.method,
            request.url,
            headers={"User-Agent": USER_AGENT, **request.headers},
            content=request.body or None,
            extensions={
                "timeout": {"connect": connect, "read": timeout, "write": timeout, "pool": timeout},
                "body_limit": limit,
            },
        )
        response = transport.handle_request(sent)
        try:  # the bytes as sent, as the wire gives them: a Content-Encoding is not undone
            stream = response.stream  # (a ByteStream, read already, iterates again)
            body = b"".join(stream) if isinstance(stream, httpx.SyncByteStream) else response.read()
        finally:
            response.close()
        return Reply(
            response.status_code, response.headers.multi_items(), body, request.url, response.reason_phrase
        )

    return via_httpx
