"""Which proxy a URL goes through, read from the environment as curl and requests read it.

``http_proxy``/``HTTP_PROXY`` for http URLs, ``https_proxy``/``HTTPS_PROXY`` for https ones,
``all_proxy``/``ALL_PROXY`` for either when the specific one is unset (the lower-case spelling
wins when both are set). ``no_proxy``/``NO_PROXY``: comma- or space-separated entries; ``*``
means no proxy at all; a host name matches itself and its subdomains (``example.com`` and
``.example.com`` both match ``example.com`` and ``a.example.com``, never ``badexample.com``);
an IP address or a CIDR block (``10.0.0.0/8``, ``::1``) matches addresses; an entry with
``:port`` matches that port only. A proxy given without a scheme is ``http://``.

Whatever the variables say, a cloud's metadata endpoints are asked directly (:func:`direct`):
link-local addresses (``169.254.0.0/16``, ``fe80::/10``: AWS's instance metadata and container
credentials, Azure's IMDS, Google's metadata server by address), AWS's IPv6 ones
(``fd00:ec2::254``, ``fd00:ec2::23``) and ``metadata.google.internal``. They are services of the
machine the bot runs on: a proxy elsewhere cannot reach them, or reaches its own machine's and
hands back that machine's credentials. A corporate proxy set for the whole pod or runner is
the usual case, and NO_PROXY rarely lists them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit


def _env(env: Mapping[str, str], name: str) -> str:
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


def proxy_for(url: str, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL for ``url``, or None for a direct connection."""
    env = os.environ if env is None else env
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    proxy = _env(env, f"{scheme}_proxy") or _env(env, "all_proxy")
    if not proxy:
        return None
    host = (parts.hostname or "").lower()
    if direct(host):
        return None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = None
    if bypassed(host, port, _env(env, "no_proxy")):
        return None
    return proxy if "://" in proxy else "http://" + proxy


# AWS's metadata endpoints over IPv6 (instance metadata, EKS Pod Identity's agent): unique local
# addresses, not link-local, so named one by one
_METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "fd00:ec2::23"))
_METADATA_NAMES = frozenset({"metadata.google.internal"})


def direct(host: str) -> bool:
    """``host`` (lower-case) is a cloud's metadata endpoint: asked without a proxy, always."""
    host = host.strip("[]").rstrip(".")
    if host in _METADATA_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.partition("%")[0])  # fe80::1%eth0: its zone aside
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address in _METADATA_ADDRESSES


def bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """``host`` (lower-case, no brackets) matches an entry of a NO_PROXY value."""
    host = host.strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, want_port = _split_port(entry)
        if want_port is not None and want_port != port:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip("*").lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [::1]:8080
        inside, _, rest = entry[1:].partition("]")
        return inside, int(rest[1:]) if rest.startswith(":") and rest[1:].isdecimal() else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        if port.isdecimal():
            return name, int(port)
    return entry, None
