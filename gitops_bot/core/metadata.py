"""Whether a host or an address is a cloud's metadata service: the machine's own identity.

AWS's instance metadata and container credentials, Azure's IMDS, Google's metadata server and
most other clouds' answer on link-local addresses (``169.254.0.0/16``, ``fe80::/10``), AWS's
also on ``fd00:ec2::254`` and ``fd00:ec2::23`` (unique local, so named one by one), Google's by
the names ``metadata.google.internal`` and ``metadata``, AWS's by ``instance-data``. Whoever
reads them holds the credentials of the machine the bot runs on.

Two readers: :func:`metadata_host` judges a host as a URL writes it (the bot's cloud logins
opt in to asking it directly; a configuration may never name it), :func:`metadata_address` the
address a connection was actually made to (a name resolving to one).

A host is judged as the connection would use it: an IPv4 address in any spelling the C
resolver reads as one (``2852039166``, ``0xa9fea9fe``, ``0251.0376.0251.0376``,
``169.254.43518``: ``getaddrinfo`` takes them all, via ``inet_aton``), an IPv6 one with its
zone (``fe80::1%25eth0``, only inside brackets), IPv4-mapped IPv6 (``::ffff:169.254.169.254``).
A ``%`` anywhere else makes a name, not an address: ``169.254.1.1%25.evil.com`` is a DNS name,
judged when it resolves, never by its first characters.
"""

from __future__ import annotations

import ipaddress
import socket

# AWS's metadata endpoints over IPv6 (instance metadata, EKS Pod Identity's agent)
_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "fd00:ec2::23"))
# the names a machine's resolver answers with a metadata address (GCE's search domain makes
# "metadata" the metadata server; EC2's DNS answers "instance-data")
_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def metadata_address(address: Address) -> bool:
    """``address`` (one a connection was made to) is a cloud's metadata service."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.scope_id is not None:
            address = ipaddress.IPv6Address(str(address).partition("%")[0])
    return address.is_link_local or address in _ADDRESSES


def address_of(host: str) -> Address | None:
    """The address ``host`` (as a URL writes it, brackets and all) is, or None for a name."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        inside = host[1:-1].replace("%25", "%", 1)  # RFC 6874's zone: fe80::1%25eth0
        try:
            return ipaddress.IPv6Address(inside)
        except ValueError:
            return None
    if ":" in host:  # an IPv6 literal without its brackets (urlsplit's hostname drops them)
        try:
            return ipaddress.IPv6Address(host.replace("%25", "%", 1))
        except ValueError:
            return None
    if "%" in host or not host or not host.replace(".", "").isalnum():
        return None  # a name (or nothing a resolver reads as an address)
    try:
        # the C resolver's reading: what getaddrinfo connects to for this host, in every
        # spelling it takes (decimal, octal, hex, fewer than four parts); no lookup is made
        packed = socket.inet_aton(host)
    except OSError:
        return None
    return ipaddress.IPv4Address(packed)


def metadata_host(host: str) -> str | None:
    """What makes ``host`` (as a URL writes it) a cloud's metadata service, in words for a
    refusal (``"169.254.169.254"``, ``"metadata.google.internal"``); None when it is not one
    by its spelling (a name is then judged by the address it resolves to)."""
    bare = host.strip().lower()
    if bare.rstrip(".") in _NAMES:
        return bare.rstrip(".")
    address = address_of(bare) or address_of(bare[:-1] if bare.endswith(".") else bare)
    if address is None or not metadata_address(address):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)  # ::ffff:a9fe:a9fe says nothing to a reader
    return str(address)
