"""A secret and the origins it may be sent to.

One rule for every secret the bot holds (a forge token, a registry password, a notification
URL, a signing key, a webhook secret): it goes only to the origin(s) the *operator* configured
it for. An origin is (scheme, host, port), as browsers and git's URL matching compare them; a
redirect to any other origin, or a URL whose host the bot only guessed, never receives it.

:class:`Secret` carries its value and its origins together, so the layer that sends it (git's
``http.<origin>/.extraHeader``, an HTTP client) asks :meth:`Secret.allows` for the one URL it
is about to contact, instead of trusting whoever built the URL. Making a ``Secret`` registers
the value for redaction (:func:`gitops_bot.core.log.register_secret`), and its ``repr`` never shows it.

Two judgements of a host beside it: whether it is this machine (loopback, where plain http is
allowed) and whether it is a cloud's metadata service, which holds the machine's own
credentials and which only the bot's cloud logins may ask (:func:`metadata_host`).
"""

from __future__ import annotations

import hashlib
import importlib
import ipaddress
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from urllib.parse import urlsplit

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.core.record import record

_DEFAULT_PORTS = {"https": 443, "http": 80}


@record(slots=False, order=True)
class Origin:
    """``scheme://host:port`` with the scheme and host lowercased and the port explicit."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin | None:
        """The origin of an http(s) URL; None for anything else (ssh remotes, paths, junk)."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        return cls(scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme])

    def url(self) -> str:
        """``https://host/`` (the port only when it is not the scheme's default), the form git's
        ``http.<url>.*`` configuration matches on."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if _DEFAULT_PORTS.get(self.scheme) == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}/"

    def __str__(self) -> str:
        return self.url().rstrip("/")


def origins(urls: Iterable[str | None]) -> frozenset[Origin]:
    """The origins of the http(s) URLs among ``urls`` (others are dropped)."""
    return frozenset(o for o in (Origin.of(u) for u in urls if u) if o is not None)


# repr=False: the class writes its own, which never shows the secret; one generated here would be
# compiled at import only to be dropped
@record
class Secret:
    """A secret ``value`` bound to the ``bound_to`` origins; ``source`` says where it came from
    (``$GITHUB_TOKEN``) for messages, which never show the value."""

    value: str = field(repr=False)
    bound_to: frozenset[Origin]
    source: str = "secret"

    def __post_init__(self) -> None:
        register_secret(self.value)

    @classmethod
    def for_urls(cls, value: str, urls: Iterable[str | None], source: str = "secret") -> Secret:
        return cls(value, origins(urls), source)

    def allows(self, url: str) -> bool:
        """May this secret be sent to ``url``? Only to an http(s) URL on a bound origin."""
        origin = Origin.of(url)
        return origin is not None and origin in self.bound_to

    def __repr__(self) -> str:
        where = ", ".join(sorted(str(o) for o in self.bound_to)) or "nowhere"
        return f"Secret({self.source}, for {where})"


class EnvView(Mapping[str, str]):
    """The environment as one repository's configuration may read it: ``base`` without the
    ``hidden`` names (secrets the operator gave the bot for other repositories). Every
    ``*_env`` reference of that repository's config is resolved through it, so a name it may
    not read is simply not set.

    ``allowed`` (a repository of a fleet of several): the only names its config may write in
    a ``*_env`` key at all; the config reader refuses any other by name (exit 2), so a name
    nobody thought to list is not readable by every repository. None: any (one repository)."""

    def __init__(
        self, base: Mapping[str, str], hidden: Iterable[str] = (), allowed: Iterable[str] | None = None
    ) -> None:
        self._base = base
        self.hidden = frozenset(hidden)
        self.allowed = None if allowed is None else frozenset(allowed)

    def __getitem__(self, name: str) -> str:
        if name in self.hidden:
            raise KeyError(name)
        return self._base[name]

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._base if k not in self.hidden)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        allowed = "" if self.allowed is None else f", allowing only {sorted(self.allowed)}"
        return f"EnvView(hiding {sorted(self.hidden)}{allowed})"


def allow_list(environ: Mapping[str, str]) -> frozenset[str] | None:
    """The names a repository of a fleet was given (:attr:`EnvView.allowed`); None: any (one
    repository, or the environment itself)."""
    return environ.allowed if isinstance(environ, EnvView) else None


def may_send(
    allowed: frozenset[str] | None, name: str, url: str | None = None, named: Iterable[str | None] = ()
) -> bool:
    """THE fleet rule: may ``$name``'s value go to ``url`` for a repository given ``allowed``
    (:func:`allow_list`)? Yes when the repository is alone (None) or its entry lists the name;
    else only when ``url``'s origin is among ``named``, the hosts the operator's environment
    names for the variable (a forge's public host, the server the CI platform names): whoever
    writes one repository's config must not send another's secret to a host of their choosing.
    Without ``url`` (a name written in the config, a token whose address the config may
    choose) the answer is the listing alone.

    Every place a repository's config can send the operator's variable asks this one question:
    :func:`given` (gates), the forges' default tokens (``forges.registry``), the push-time
    APIs' tokens (``engine.vetting``) and a name the config file writes (``config.reader``)."""
    if allowed is None or name in allowed:
        return True
    where = Origin.of(url or "")
    return where is not None and where in origins(named)


def given(
    environ: Mapping[str, str],
    name: str,
    *,
    service: str,
    url: str | None,
    named: Iterable[str | None] = (),
) -> str | None:
    """``$name`` for ``service`` at ``url``: None when unset; the value, registered for
    redaction, when the operator gave it to this repository. The fleet's check for every
    service a repository's config points somewhere (Argo CD, a metrics server, a web gate):
    a variable :func:`may_send` refuses for ``url`` is refused with one line."""
    value = environ.get(name)
    if not value:
        return None
    if not may_send(allow_list(environ), name, url, named):
        raise UsageError(
            f"this repository's config points {service} at {url}, and ${name} was not given to it "
            "in the repositories file; a repository of a fleet may send it only where the operator named",
            hint=f"list {name} under this repository's 'env:' (or 'shared_env:')",
        )
    register_secret(value)
    return value


HMAC = "hmac"  # imported by name where a body is signed: only webhooks and notifications are


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC form GitHub sends in X-Hub-Signature-256. The bot checks it on
    webhooks it receives and sends it on the notifications it posts."""
    mac = importlib.import_module(HMAC).new(secret.encode(), body, hashlib.sha256)
    return "sha256=" + str(mac.hexdigest())


def is_loopback_host(host: str) -> bool:
    """``host`` may carry a port. Loopback registries are allowed plain http."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:  # an address, not a name that starts like one (127.0.0.1.example.com resolves anywhere)
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# Whether a host or an address is a cloud's metadata service: the machine's own identity.
#
# AWS's instance metadata and container credentials, Azure's IMDS, Google's metadata server and
# most other clouds' answer on link-local addresses (``169.254.0.0/16``, ``fe80::/10``), AWS's
# also on ``fd00:ec2::254`` and ``fd00:ec2::23`` (unique local, so named one by one), Google's by
# the names ``metadata.google.internal`` and ``metadata``, AWS's by ``instance-data``. Whoever
# reads them holds the credentials of the machine the bot runs on.
#
# Two readers: :func:`metadata_host` judges a host as a URL writes it (the bot's cloud logins
# opt in to asking it directly; a configuration may never name it), :func:`metadata_address` the
# address a connection was actually made to (a name resolving to one).
#
# A host is judged as the connection would use it: an IPv4 address in any spelling the C
# resolver reads as one (``2852039166``, ``0xa9fea9fe``, ``0251.0376.0251.0376``,
# ``169.254.43518``: ``getaddrinfo`` takes them all, via ``inet_aton``), an IPv6 one with its
# zone (``fe80::1%25eth0``, only inside brackets), IPv4-mapped IPv6 (``::ffff:169.254.169.254``).
# A ``%`` anywhere else makes a name, not an address: ``169.254.1.1%25.evil.com`` is a DNS name,
# judged when it resolves, never by its first characters.

# AWS's metadata endpoints over IPv6 (instance metadata, EKS Pod Identity's agent)
_METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "fd00:ec2::23"))
# the names a machine's resolver answers with a metadata address (GCE's search domain makes
# "metadata" the metadata server; EC2's DNS answers "instance-data")
_METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def metadata_address(address: _Address) -> bool:
    """``address`` (one a connection was made to) is a cloud's metadata service."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.scope_id is not None:
            address = ipaddress.IPv6Address(str(address).partition("%")[0])
    return address.is_link_local or address in _METADATA_ADDRESSES


def _address_of(host: str) -> _Address | None:
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
    if bare.rstrip(".") in _METADATA_NAMES:
        return bare.rstrip(".")
    address = _address_of(bare) or _address_of(bare[:-1] if bare.endswith(".") else bare)
    if address is None or not metadata_address(address):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)  # ::ffff:a9fe:a9fe says nothing to a reader
    return str(address)
