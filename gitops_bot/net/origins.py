"""An URL's origin (scheme, host, port): what a credential is bound to and a redirect is judged by.

Read here without httpx for the plain spellings every registry answer has (an ASCII host name or
IPv4 address, an optional port): a registry's requests go on httpcore below httpx's objects, and a
plan that never loads httpx starts ~10 % sooner. Every other spelling (user info, an IPv6 or
non-ASCII host, a port past 65535) is httpx's reading, as before.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
# what httpx reads as it is written, but for case: a scheme, a host of letters, digits, dots and
# dashes not starting with a dash, an optional port of at most 5 digits
_PLAIN = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*)://([a-zA-Z0-9.][a-zA-Z0-9.-]*)(?::([0-9]{1,5}))?")


@functools.lru_cache(maxsize=1024)
def _origin(url: str) -> Origin:
    plain = _PLAIN.fullmatch(url)
    if plain is not None and int(plain[3] or 0) <= 65535 and _address_or_name(plain[2]):
        scheme = plain[1].lower()
        port = int(plain[3] or 0) or (443 if scheme == "https" else 80)
        return (scheme, plain[2].lower(), port)
    import httpx  # every other spelling is httpx's reading (and refusal)

    u = httpx.URL(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    return (u.scheme, u.host.lower(), port)


def _address_or_name(host: str) -> bool:
    """Not four numbers that are no IPv4 address (httpx refuses those)."""
    if _FOUR_NUMBERS.fullmatch(host) is None:
        return True
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


_FOUR_NUMBERS = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


# a URL httpx prints as it is written: http(s), a lower-case host, a port other than the scheme's
# own (httpx drops that one), a path of unreserved characters whose segments start with no "."
# (httpx resolves dot segments), no user info, query or fragment
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9][a-z0-9.-]*)(?::([1-9][0-9]{0,4}))?((?:/(?:[a-zA-Z0-9_~-][a-zA-Z0-9._~-]*)?)*)"
)


def plain_url(url: str) -> tuple[str, str, str] | None:
    """The scheme, host and host[:port] of a URL httpx would print as it is written (the token
    realms registries name), without httpx; None for any other spelling, which is httpx's."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None or not _address_or_name(plain[2]):
        return None
    scheme, host, port = plain[1], plain[2], plain[3]
    if port and (int(port) > 65535 or int(port) == (443 if scheme == "https" else 80)):
        return None
    return scheme, host, f"{host}:{port}" if port else host


def same_origin(a: httpx.URL | str, b: httpx.URL | str) -> bool:
    return origin(a) == origin(b)
