"""One registry host's requests: credentials applied, 401 challenges answered, redirects
followed, over an ``httpx`` transport (:class:`gitops_bot.net.transport.Transport` unless
given another: proxies, trust, HTTP/2, total deadlines and abort).

Each hop is one :func:`gitops_bot.net.transport.send`: a streamed body stopped at the
request's byte limit, inside the deadline of the whole :meth:`Channel.send` (a registry
answering with redirect after slow redirect cannot stretch it). Redirects are followed here,
not by httpx, because a redirect's new request must go through the auth flow again: a
challenge from where a redirect led is not answered, and nothing secret crosses origins.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from gitops_bot.net.limits import TooLarge
from gitops_bot.net.origins import same_origin
from gitops_bot.net.transport import Reply, exchange
from gitops_bot.registry.answers import TOKEN_LIMIT
from gitops_bot.registry.auth import RegistryAuth, RegistryRequest

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 20  # httpx's default
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "gitops-bot"
DEFAULT_BODY_LIMIT = 4 << 20


class Channel:
    def __init__(
        self,
        base_url: str,
        transport: httpx.BaseTransport,
        auth: RegistryAuth,
        elsewhere: httpx.BaseTransport | None = None,
    ) -> None:
        """``elsewhere``: the transport of token requests; ``transport`` by default."""
        self.base_url = base_url
        self.transport = transport
        self.elsewhere = elsewhere or transport
        self.auth = auth

    def close(self) -> None:
        self.transport.close()
        if self.elsewhere is not self.transport:
            self.elsewhere.close()

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
        flow = self.auth.flow(RegistryRequest(method, url, {"Accept": "*/*", **(headers or {})}))
        try:
            request = next(flow)
            history: list[Reply] = []
            deadline = time.monotonic() + timeout if timeout is not None else None
            while True:
                try:
                    reply = self._follow(request, deadline, connect_timeout, limit, history)
                except TooLarge as exc:
                    if not request.token:
                        raise
                    # what a token service's oversized answer is, the flow says (it raises)
                    request = flow.throw(exc)
                    continue
                try:
                    request = flow.send(reply)
                except StopIteration:
                    reply.history = history
                    return reply
                history.append(reply)
        finally:
            # a request that failed mid-flow ends its flow now, not when collected: the other
            # requests waiting for its token or its first answer go on at once
            flow.close()

    def _exchange(
        self, request: RegistryRequest, timeout: float | None, connect: float | None, limit: int
    ) -> Reply:
        # the bytes as sent: no Accept-Encoding is asked, a Content-Encoding is not undone
        return exchange(
            self.elsewhere if request.token else self.transport,
            request.method,
            request.url,
            {"User-Agent": USER_AGENT, **request.headers},
            request.body,
            timeout=timeout if timeout is not None else 30.0,
            # a token answer has its own bound: never the resource's, which it is not
            limit=TOKEN_LIMIT if request.token else limit,
            connect_timeout=connect,
        )

    def _follow(
        self,
        request: RegistryRequest,
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
                    import httpx  # the error a registry's callers catch (as the exchange's own)

                    raise httpx.ReadTimeout("response not complete within the deadline")
                connect_timeout = min(connect_timeout, timeout) if connect_timeout is not None else None
            reply = self._exchange(request, timeout, connect_timeout, limit)
            location = reply.header("Location") if reply.status in _REDIRECTS else ""
            if not location:
                return reply
            history.append(reply)
            request = _redirected(request, reply.status, location)
        import httpx

        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.")


def _redirected(request: RegistryRequest, status: int, location: str) -> RegistryRequest:
    """The request a redirect asks for, as httpx builds it: 303 (and 301/302 after a POST)
    becomes a GET without a body; the Authorization header never goes to another origin. Nor
    does a body (a 307/308 would resend it): the one request with a body is a token request
    whose body holds the refresh token."""
    import httpx  # a redirect is read as httpx reads it

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
    if not same_origin(url, before):
        headers.pop("Authorization", None)
        if body:
            raise httpx.UnsupportedProtocol(f"redirect of a {method} with a body to another origin refused")
    return RegistryRequest(method, str(url), headers, body)
