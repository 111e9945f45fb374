"""THE client of every JSON/HTTP service the bot asks: one bounded call, a few typed outcomes.

A :class:`Service` is one origin (scheme, host, port) and what holds for every request to it:
the credential bound to that origin, the TLS context, a deadline per attempt and one for the
whole question, a byte cap, the redirect policy and the one retry policy of
:mod:`gitops_bot.net.retry`. Each request returns one of three outcomes, never an exception
for anything the server or the network did:

- :class:`Answer`: a 2xx (or a 304), its body, parsed as JSON unless asked not to;
- :class:`Refused`: any other status the server meant (4xx, a 3xx not followed), with a short
  safe line of the server's own words (``said``: one line, at most 200 characters, secrets
  redacted);
- :class:`Unavailable`: no usable answer, and why in one line of our own words (without the
  service's name: "answered more than 8 MiB", for "Argo CD at ... is unavailable (...)"): a timeout, a
  connection refused, TLS not trusted, more than the byte cap, a body its
  ``Content-Encoding`` does not decode, a redirect loop or one off the origin, JSON that is not
  JSON (``NaN``, ``Infinity``, deeper than 64 levels), a retryable status still there after
  the retries.

A service maps those to its own one-line errors in a few lines, e.g. Argo CD::

    from gitops_bot.net.service import Answer, Credential, Refused, Service, Unavailable

    argocd = Service("Argo CD", "https://argocd.example.com", credential=Credential.bearer(token))
    match argocd.get("/api/v1/applications/app", params={"appNamespace": "team"}):
        case Answer(json=dict() as app):
            return app
        case Refused(status=401 | 403):
            raise UsageError("Argo CD refused the token")
        case Refused(status=404):
            raise UsageError("Argo CD has no application 'app'")
        case Refused(status=status, said=said) | Unavailable(status=status, said=said):
            raise ServiceUnavailable(f"Argo CD answered HTTP {status}: {said}")
        case Unavailable(why=why):
            raise ServiceUnavailable(f"Argo CD is unavailable ({why})")

Listings are paged by their callers, each page one request (:func:`link_next` reads an RFC
8288 ``Link: rel="next"``); a next page named on another origin is refused like any such URL.

Redirects: followed only for GET and HEAD, at most ``max_redirects``, and by default only
within the service's origin (a JSON API has no reason to send its caller elsewhere; an auth
proxy's login page on another host is an error to see, not a page to parse). A service that
reads from wherever it is sent (a chart repository's ``index.yaml`` on a CDN) says
``redirects=ANYWHERE``: then a redirect off the origin is followed without the credential and
never down to plain http. A request for a URL on another origin (a ``next`` link naming
another host) is refused before it is made.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any

import httpx

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import redact, register_secret
from gitops_bot.core.record import record
from gitops_bot.net import deadline as _deadline
from gitops_bot.net import limits, retry
from gitops_bot.net import proxy as proxies
from gitops_bot.net import transport as _transport
from gitops_bot.net.origins import Origin, origin
from gitops_bot.net.reach import not_reached
from gitops_bot.net.transport import USER_AGENT, Reply, Transport

SAME_ORIGIN = "same-origin"
ANYWHERE = "anywhere"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
SAID = 200  # characters of a server's own words kept in an outcome


# -- outcomes --------------------------------------------------------------------------


@record
class Answer:
    """A 2xx (or 304): ``json`` the parsed body (None when empty or not parsed), ``body`` the
    bytes as decoded from their ``Content-Encoding``, ``reply`` the status line and headers."""

    status: int
    json: Any
    body: bytes = field(repr=False)
    reply: Reply = field(repr=False, compare=False)

    def header(self, name: str) -> str:
        return self.reply.header(name)


@record
class Refused:
    """The server answered ``status`` and meant it (not worth asking again): ``said`` is its
    own words, one line, short, redacted ("" when it said nothing readable); ``json`` the
    body parsed when it is JSON (for a service whose errors have a documented shape)."""

    status: int
    said: str
    reply: Reply = field(repr=False, compare=False)
    json: Any = field(default=None, repr=False, compare=False)

    def header(self, name: str) -> str:
        return self.reply.header(name)


@record
class Unavailable:
    """No usable answer: ``why`` in one line of our words; ``status`` and ``said`` the last
    answer's when there was one (a 503 still there after the retries). ``transient``: the
    retries ran out on what asking again may mend (a timeout, a refused connection, a
    retryable status), not on an answer that will read the same next time (too large, not
    decodable, a redirect loop): a caller with retries of its own asks again only then."""

    why: str
    status: int | None = None
    said: str = ""
    transient: bool = field(default=False, compare=False)
    # the host was never reached (refused, no address, no route: net/reach.py), and this is
    # what to check: no answer said anything of its load
    unreached: str | None = field(default=None, compare=False)
    # the last answer itself, when there was one: a caller words a rate limit's reset from it
    reply: Reply | None = field(default=None, repr=False, compare=False)


Outcome = Answer | Refused | Unavailable


# -- credentials -----------------------------------------------------------------------


@record
class Credential:
    """A header sent only to the service's origin; its value is registered for redaction and
    never shown."""

    header: str
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        register_secret(self.value)
        # httpx writes header values as ASCII: a token with any other character (pasted with a
        # non-breaking space, or a hostile service's) would end the run in a traceback
        if not self.value.isascii() or not self.value.isprintable() or self.value != self.value.strip():
            raise UsageError(
                f"the credential for the {self.header} header holds a character no HTTP header can carry",
                hint="a token is printable ASCII without spaces at its ends: check where it comes from",
            )

    @classmethod
    def bearer(cls, token: str) -> Credential:
        register_secret(token)
        return cls("Authorization", f"Bearer {token}")

    @classmethod
    def basic(cls, user: str, password: str) -> Credential:

        register_secret(password)
        return cls(
            "Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        )

    @classmethod
    def scheme(cls, scheme: str, token: str) -> Credential:
        """``Authorization: <scheme> <token>`` (GitHub's ``token``, GitLab's ``PRIVATE-TOKEN``
        is :class:`Credential` itself)."""
        register_secret(token)
        return cls("Authorization", f"{scheme} {token}")


# -- what is retried -------------------------------------------------------------------

Waits = Callable[[int, Reply], tuple[bool, float | None]]
"""(status, reply) -> (worth asking again, the wait the server asked for or None)."""


def standard_waits(status: int, reply: Reply) -> tuple[bool, float | None]:
    """408, 425, 429 and 5xx, waiting what ``Retry-After`` asks (the one policy's statuses)."""
    if not retry.retryable_status(status):
        return False, None
    return True, retry.retry_after(reply.header("Retry-After"))


# -- the client ------------------------------------------------------------------------


class Service:
    """One service's origin and bounds; see the module's text. ``base``: the service's URL
    (its origin is where requests may go; a relative path is appended to it). ``tls``: a
    context or a function making one (:func:`gitops_bot.net.tls.context`); default the
    shared trust. ``timeout``: seconds for one attempt in all (its redirects included);
    ``total``: for the whole question, retries and their waits included. ``limit``: bytes of
    one answer (decoded). ``ca_setting``: what to set to a private CA, in the line of a
    certificate not trusted (a cloud's API: its SDKs' variable, ``AWS_CA_BUNDLE``); None where
    the service has no setting of its own, so the line names ``SSL_CERT_FILE`` alone.
    ``metadata``: a cloud login asking the machine's metadata service (Azure's IMDS,
    google-auth's metadata server): asked directly whatever the proxy variables say, and its
    link-local address let through, which every other service is refused (a URL a
    configuration wrote never sets it). ``keep``: a service asked again and again by a
    long-running process (a forge's API, each ``watch`` cycle), which takes the connections
    kept for its origin there (:func:`gitops_bot.net.transport.keeping`) when it is on the
    shared trust and the process's environment. ``transport``: a test's."""

    def __init__(
        self,
        name: str,
        base: str,
        *,
        credential: Credential | None = None,
        tls: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
        timeout: float = 10.0,
        total: float = 30.0,
        limit: int = 8 << 20,
        policy: retry.RetryPolicy | None = None,
        waits: Waits = standard_waits,
        redirects: str = SAME_ORIGIN,
        max_redirects: int = 5,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        env: Mapping[str, str] | None = None,
        ca_setting: str | None = "the service's ca_file",
        metadata: bool = False,
        keep: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.base = base.rstrip("/")
        self.origin: Origin = origin(self.base)
        self.credential = credential
        self.timeout = timeout
        self.total = total
        self.limit = limit
        self.policy = policy or retry.RetryPolicy(attempts=3, max_wait=4.0)
        self.waits = waits
        self.redirects = redirects
        self.max_redirects = max_redirects
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self._given = transport
        self._tls = tls
        self._ca_setting = ca_setting
        self._env = env
        self._metadata = metadata
        self._keep = keep and tls is None and env is None and not metadata
        self._sleep = sleep
        # what ``total`` is counted on: a caller that counts the waits it asked for as spent
        # (whether or not a test slept them) passes its own
        self._clock = clock
        self._client: httpx.Client | None = None
        self._transport: httpx.BaseTransport | None = None
        self._lock = threading.Lock()
        self._aborted = False

    def __repr__(self) -> str:  # never the credential
        return f"Service({self.name}, {self.base})"

    # -- requests ------------------------------------------------------------------

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int | None = None,
        parse: bool = True,
    ) -> Outcome:
        """``GET`` ``path`` (relative to ``base``, or an absolute URL on its origin)."""
        return self.request("GET", path, params=params, headers=headers, limit=limit, parse=parse)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int | None = None,
        parse: bool = True,
    ) -> Outcome:
        """One question, asked again per the retry policy within ``total`` seconds.
        ``json_body``: sent as JSON; ``content``: sent as is. ``parse``: read a 2xx body as
        JSON (else ``Answer.json`` is None and ``body`` is the bytes)."""
        url = self.url(path)
        if url is None:
            return Unavailable(f"a URL on another origin was asked ({redact(path)[:100]})")
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        sent = {**self.headers, **(headers or {})}
        last: list[Reply] = []
        due = self._clock() + self.total

        def attempt() -> Outcome:
            if self._aborted:
                return Unavailable("stopping")
            left = due - self._clock()
            reply = self._once(
                method, url, params, content, sent, min(self.timeout, left), limit or self.limit
            )
            if isinstance(reply, Unavailable):
                return reply
            last[:] = [reply]
            worth, asked = (False, None) if reply.status < 400 else self.waits(reply.status, reply)
            if worth:
                if asked is not None and asked > due - self._clock():
                    return Unavailable(
                        f"HTTP {reply.status}, and asked to wait {asked:.0f}s, beyond the {self.total:g}s "
                        "a question may take",
                        reply.status,
                        said(reply.body),
                        transient=True,
                        reply=reply,
                    )
                raise retry.Retryable(f"HTTP {reply.status}", asked)
            return self._outcome(reply, parse)

        try:
            return retry.call(
                attempt,
                self.policy,
                lambda: time.monotonic() + due - self._clock(),
                sleep=self._sleep,
                stopped=lambda: self._aborted,
            )
        except retry.GaveUp as exc:
            reply = last[0] if last else None
            return Unavailable(
                str(exc),
                reply.status if reply else None,
                said(reply.body) if reply else "",
                transient=True,
                unreached=exc.unreached,
                reply=reply,
            )

    # -- one attempt ---------------------------------------------------------------

    def url(self, path: str) -> str | None:
        """The absolute URL of ``path`` on this service's origin (None: another origin)."""
        if "://" not in path:
            return self.base + ("" if not path or path.startswith(("/", "?")) else "/") + path
        try:
            same = origin(path) == self.origin
        except (httpx.InvalidURL, ValueError):
            return None
        return path if same else None

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                transport = self._given
                kept = _transport.kept() if transport is None and self._keep else None
                if kept is not None:
                    transport = kept.lend(self.origin)
                elif transport is None:
                    tls = self._tls
                    transport = Transport(
                        ssl_context=tls, env=self._env, max_connections=8, metadata=self._metadata
                    )
                self._transport = transport
                self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False)
            return self._client

    def _once(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
        limit: int,
    ) -> Reply | Unavailable:
        """One attempt: the request and the redirects the policy follows, within ``timeout``."""
        if timeout <= 0:
            raise retry.Retryable(f"no complete answer within {self.total:g}s")
        client = self._http()
        target, query = url, params
        with _deadline.until(time.monotonic() + timeout):
            for _hop in range(self.max_redirects + 1):
                on_origin = origin(target) == self.origin
                ask = dict(headers)
                encoding = ""
                if self.credential is not None and on_origin:
                    ask[self.credential.header] = self.credential.value
                try:
                    request = client.build_request(
                        method, target, params=query, content=content, headers=ask, timeout=timeout
                    )
                    response = client.send(request, stream=True)
                    encoding = response.headers.get("Content-Encoding", "")
                    try:
                        location = response.headers.get("Location", "")
                        if response.status_code in REDIRECTS and location and method in ("GET", "HEAD"):
                            following = self._redirect(target, location)
                            if isinstance(following, Unavailable):
                                return following
                            target, query = following, None
                            continue
                        body = limits.read_capped(response, limit)
                    finally:
                        response.close()
                except limits.TooLarge:
                    return Unavailable(f"answered more than {_size(limit)}")
                except httpx.DecodingError:
                    return Unavailable(
                        f"answered a body its Content-Encoding ({redact(encoding)[:40]}) does not decode"
                    )
                except httpx.TimeoutException:
                    raise retry.Retryable(f"no complete answer within {timeout:.3g}s") from None
                except httpx.ConnectError as exc:
                    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                        own = self._ca_setting
                        setting = f"{own}, or SSL_CERT_FILE," if own else "SSL_CERT_FILE"
                        return Unavailable(
                            f"the TLS certificate of {self.base} is not trusted (set {setting} to its CA)"
                        )
                    # what the operating system said (refused, no address, a failed handshake),
                    # not the exception's class name: the line a person acts on
                    host = httpx.URL(target).netloc.decode("ascii", "replace")
                    via = None if self._metadata else proxies.proxy_for(target, self._env)
                    proxy = (via, proxies.variable_for(target, self._env)) if via else None
                    unreached = not_reached(exc, host, self.name, proxy=proxy)
                    if unreached is not None and unreached.nameless:  # asked once, said as unreached
                        return Unavailable(
                            f"cannot connect to {host}: {unreached.what}", unreached=unreached.check
                        )
                    if unreached is not None and unreached.lasting:
                        return Unavailable(f"cannot connect to {host}: {unreached.what}; {unreached.check}")
                    what = unreached.what if unreached else type(exc).__name__
                    raise retry.Retryable(
                        f"cannot connect to {host}: {what}", unreached=unreached.check if unreached else None
                    ) from None
                except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
                    return Unavailable(redact(str(exc))[:SAID])
                except httpx.TransportError as exc:
                    raise retry.Retryable(f"no answer ({type(exc).__name__})") from None
                except httpx.HTTPError as exc:
                    return Unavailable(type(exc).__name__)
                return Reply(
                    response.status_code,
                    list(response.headers.multi_items()),
                    body,
                    str(response.url),
                    response.reason_phrase,
                )
        return Unavailable(f"redirected more than {self.max_redirects} times (a redirect loop?)")

    def _redirect(self, current: str, location: str) -> str | Unavailable:
        try:
            following = httpx.URL(current).join(location)
        except (httpx.InvalidURL, ValueError):
            return Unavailable("redirected to an unreadable location")
        if following.scheme not in ("http", "https"):
            return Unavailable(f"redirected to a {following.scheme or 'relative'} URL")
        there = origin(following)
        if there != self.origin:
            shown = f"{there[0]}://{there[1]}:{there[2]}"
            if self.redirects != ANYWHERE:
                return Unavailable(
                    f"redirected to another origin ({shown}); point the setting at the final address"
                )
            if following.scheme == "http" and self.origin[0] == "https":
                return Unavailable(f"redirected from https to plain http ({shown})")
        return str(following)

    def _outcome(self, reply: Reply, parse: bool) -> Outcome:
        if 200 <= reply.status < 300 or reply.status == 304:
            if not parse or not reply.body.strip():
                return Answer(reply.status, None, reply.body, reply)
            try:
                return Answer(reply.status, limits.loads(reply.body), reply.body, reply)
            except limits.JSONTooDeep:
                return Unavailable(f"answered JSON nested deeper than {limits.MAX_DEPTH} levels")
            except limits.NotJSON as exc:
                return Unavailable(f"answered {exc}")
            except ValueError:
                return Unavailable("answered something that is not JSON")
        try:
            data = limits.loads(reply.body) if reply.body[:1] in (b"{", b"[") else None
        except ValueError:
            data = None
        return Refused(reply.status, said(reply.body), reply, data)

    def abort(self) -> None:
        """SIGTERM: what is in flight ends, nothing starts."""
        self._aborted = True
        if isinstance(self._transport, Transport):
            self._transport.abort()

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_LINK = re.compile(r'<([^>]*)>\s*;[^,]*?\brel="?([^",;]*)"?', re.IGNORECASE)


def link_next(answer: Answer, items: list[Any], page: int) -> str | None:
    """RFC 8288 ``Link: <...>; rel="next"`` (GitHub, GitLab, Gitea, Forgejo)."""
    for target, rel in _LINK.findall(answer.header("Link")):
        if "next" in rel.lower().split():
            return str(target)
    return None


def said(body: bytes) -> str:
    """A server's own words about a failure, one line of at most :data:`SAID` characters,
    secrets redacted: JSON's ``message``, ``error`` (text, or ``{message, detail}``),
    ``errors[].message``, ``detail``, ``error_description`` (GitHub, GitLab, Gitea, Azure
    DevOps, Bitbucket, Prometheus, OAuth), else a short text body's first line; "" for HTML
    or anything else."""
    data: Any = None
    try:
        data = limits.loads(body[: 64 << 10]) if body[:1] in (b"{", b"[") else None
    except ValueError:
        data = None
    parts: list[str] = []
    if isinstance(data, dict):
        error, errors = data.get("error"), data.get("errors")
        if isinstance(error, dict):
            parts = [_text(error.get("message")), _text(error.get("detail"))]
        elif isinstance(errors, list):
            parts = [_text(e.get("message")) for e in errors[:5] if isinstance(e, dict)]
        if not any(parts):
            parts = [_text(data.get(k)) for k in ("message", "error", "detail", "error_description")]
    elif data is None and body[:1] not in (b"<", b"{", b"["):
        # redacted before anything is cut: a secret cut short is no longer the whole text
        # redaction finds, and its first characters would be shown
        first = redact(body[: 64 << 10].decode("utf-8", "replace")).strip().splitlines()
        parts = [first[0]] if first else []
    text = " ".join(redact(" ".join(p for p in parts if p)).split())  # a secret as it was echoed
    return "".join(c for c in text if c.isprintable())[:SAID]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and limit % (1 << 20) == 0 else f"{limit} bytes"
