"""A secret and the origins it may be sent to.

One rule for every secret the bot holds (a forge token, a registry password, a notification
URL, a signing key, a webhook secret): it goes only to the origin(s) the *operator* configured
it for. An origin is (scheme, host, port), as browsers and git's URL matching compare them; a
redirect to any other origin, or a URL whose host the bot only guessed, never receives it.

:class:`Secret` carries its value and its origins together, so the layer that sends it (git's
``http.<origin>/.extraHeader``, an HTTP client) asks :meth:`Secret.allows` for the one URL it
is about to contact, instead of trusting whoever built the URL. Making a ``Secret`` registers
the value for redaction (:func:`gitops_bot.core.log.register_secret`), and its ``repr`` never shows it.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import register_secret

_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True, order=True)
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


@dataclass(frozen=True, slots=True)
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
