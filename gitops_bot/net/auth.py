"""Credentials bound to the origin the operator configured them for.

:class:`OriginAuth` (an ``httpx.Auth``) puts its header on a request only when the request's
origin (scheme, host, port) is the configured one. httpx itself drops ``Authorization`` when a
redirect leaves the origin; this layer adds that nothing is attached to a request that starts
elsewhere (a pagination link, a URL from an answer) and that a downgrade to plain http of the
same host does not count as the same origin.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Generator

import httpx

Origin = tuple[str, str, int]


def origin(url: httpx.URL | str) -> Origin:
    if isinstance(url, str):
        # the origin is the scheme's and the authority's alone (httpx splits the authority off
        # at the first / ? or # after "//"): parsed once a distinct prefix, where a registry's
        # every answer had its whole URL parsed and checked twice (~0.1 ms each)
        scheme, sep, rest = url.partition("://")
        if sep and url.isprintable() and _SCHEME.fullmatch(scheme):  # else httpx's own refusal
            return _origin(f"{scheme}://{_AUTHORITY.match(rest)[0]}")  # type: ignore[index]
        return _origin(url)
    port = url.port or (443 if url.scheme == "https" else 80)
    return (url.scheme, url.host.lower(), port)


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*")
_AUTHORITY = re.compile(r"[^/?#]*")


@functools.lru_cache(maxsize=1024)
def _origin(url: str) -> Origin:
    u = httpx.URL(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    return (u.scheme, u.host.lower(), port)


def same_origin(a: httpx.URL | str, b: httpx.URL | str) -> bool:
    return origin(a) == origin(b)


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
