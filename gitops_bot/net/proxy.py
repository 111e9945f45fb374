"""Which proxy a URL goes through, read from the environment as curl and requests read it.

``http_proxy``/``HTTP_PROXY`` for http URLs, ``https_proxy``/``HTTPS_PROXY`` for https ones,
``all_proxy``/``ALL_PROXY`` for either when the specific one is unset (the lower-case spelling
wins when both are set). ``no_proxy``/``NO_PROXY``: comma- or space-separated entries; ``*``
means no proxy at all; a host name matches itself and its subdomains (``example.com`` and
``.example.com`` both match ``example.com`` and ``a.example.com``, never ``badexample.com``);
an IP address or a CIDR block (``10.0.0.0/8``, ``::1``) matches addresses; an entry with
``:port`` matches that port only. A proxy given without a scheme is ``http://``.

A cloud's metadata endpoints (:func:`~gitops_bot.core.secret.metadata_host`: link-local
addresses, AWS's ``fd00:ec2::254``/``fd00:ec2::23``, ``metadata.google.internal``) are asked
directly only when the caller says so (``metadata=True``): the bot's own cloud logins (Azure's
IMDS, google-auth's metadata server calls, botocore's instance metadata fetch), which a
configuration never reaches. They are services of the machine the bot runs on: a proxy
elsewhere cannot reach them, or reaches its own machine's. Any other request, a URL a
configuration wrote among them, goes by the variables alone: a direct route to the machine's
credentials is not something a web gate or a webhook may open (the one client also refuses a
connection to such an address, :mod:`gitops_bot.net.transport`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from gitops_bot.core.secret import metadata_host


def _env(env: Mapping[str, str], name: str) -> str:
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


def variable_for(url: str, env: Mapping[str, str] | None = None) -> str:
    """The variable :func:`proxy_for` took ``url``'s proxy from, as it is spelled in ``env``."""
    env = os.environ if env is None else env
    scheme = urlsplit(url).scheme.lower()
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        if env.get(name, "").strip():
            return name
    return f"{scheme.upper()}_PROXY"


def proxy_for(url: str, env: Mapping[str, str] | None = None, *, metadata: bool = False) -> str | None:
    """The proxy URL for ``url``, or None for a direct connection. ``metadata``: the caller is
    a cloud login asking the machine's metadata service, which is then asked directly."""
    env = os.environ if env is None else env
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    proxy = _env(env, f"{scheme}_proxy") or _env(env, "all_proxy")
    if not proxy:
        return None
    host = (parts.hostname or "").lower()
    if metadata and direct(host):
        return None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = None
    if bypassed(host, port, _env(env, "no_proxy")):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def direct(host: str) -> bool:
    """``host`` (as a URL writes it) is a cloud's metadata endpoint, which a cloud login asks
    without a proxy; judged by the address the connection would use (a ``%`` outside an IPv6
    literal's brackets makes a name, never an address)."""
    return metadata_host(host) is not None


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
