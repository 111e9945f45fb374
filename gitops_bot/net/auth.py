"""Credentials bound to the origin the operator configured them for.

:class:`OriginAuth` (an ``httpx.Auth``) puts its header on a request only when the request's
origin (scheme, host, port) is the configured one. httpx itself drops ``Authorization`` when a
redirect leaves the origin; this layer adds that nothing is attached to a request that starts
elsewhere (a pagination link, a URL from an answer) and that a downgrade to plain http of the
same host does not count as the same origin.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from gitops_bot.net.origins import origin


class OriginAuth(httpx.Auth):
    """``header: value`` (``Authorization: Bearer ...`` by default) for ``url``'s origin only."""

    def __init__(self, url: str, value: str, header: str = "Authorization") -> None:
        self.origin = origin(url)
        self.header = header
        self._value = value

    def __repr__(self) -> str:  # never the secret
        return f"OriginAuth({self.origin[0]}://{self.origin[1]}:{self.origin[2]})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin(request.url) == self.origin:
            request.headers[self.header] = self._value
        else:
            request.headers.pop(self.header, None)
        yield request
