"""Registry requests as the client sends them: one operation deadline, retries with back-off.

Failures are sorted here, at the boundary: 401/403/404 -> :class:`RegistryAccessError` (the app
skips that image); 408/425/429/5xx, timeouts and connection errors (the rule of every outbound
call, :func:`gitops_bot.net.retry.retryable_status`) -> retried with back-off honouring
``Retry-After`` (bounded), then :class:`RegistryUnavailable` (the run ends with one line); a
host not reached at all (refused, no address, a failed TLS handshake: :mod:`gitops_bot.net.reach`)
is said as unreachable, with what to check, and never counted as overloaded; a body that
breaks the spec -> :class:`RegistryProtocolError`. :class:`Requests` is the base of
:class:`~gitops_bot.registry.client.RegistryClient`, which asks the API's questions.
"""

from __future__ import annotations

import functools
import importlib.util
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Self
from urllib.parse import quote

from gitops_bot.core.errors import (
    RegistryAccessError,
    RegistryProtocolError,
    RegistryUnavailable,
    UsageError,
)
from gitops_bot.core.extras import install_hint
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.net import retry as _retry
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.reach import connect_timed_out, not_reached
from gitops_bot.net.retry import RetryPolicy as RetryPolicy
from gitops_bot.net.tls import ssl_context
from gitops_bot.net.transport import Reply, Transport
from gitops_bot.net.window import OVERLOAD_STATUSES, SlotTimeout, Window
from gitops_bot.registry import answers
from gitops_bot.registry.auth import RegistryAuth, TokenCache
from gitops_bot.registry.channel import Channel
from gitops_bot.registry.credentials import Secrets
from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.registry.settings import scheme_for as scheme_for

if TYPE_CHECKING:
    import httpx

log = get_logger(__name__)

# Every registry operation (all pages of a tag list, a digest, metadata) ends within this many
# request timeouts of the registry's time, retries and their waits included ...
OPERATION_TIMEOUTS = 1.5  # 45 s with the default 30 s timeout: a drip-fed plan ends inside a minute
# ... and within this many whatever it waited for slots of the host's window: a registry that
# stopped answering shrinks the window to one request, and the plan's threads queue behind it
HARD_TIMEOUTS = 3.0  # 90 s with the default timeout
CONNECT_TIMEOUT = 10.0  # seconds a connection (TCP and TLS) may take, within the request's timeout
MIN_ATTEMPT = 0.25  # seconds: the least time left before the deadline to start another attempt
# a registry's and a chart repository's retry budget, read when a client is made (4 attempts,
# waits of 0.5, 1 and 2 s): one named policy, so a test that means what an unreached host is
# said as, not the pacing, shortens the waits and keeps the attempts (tests/conftest.py)
RETRY = RetryPolicy()
# requests in flight to a host on first contact (or max_concurrency, when lower): what the bot
# sent before the window could grow; the window reaches max_concurrency after one round trip
# of prompt answers
START_IN_FLIGHT = 32
TOKEN_CONNECTIONS = 8  # to a registry's token service: a run asks a token a few dozen images


@record(frozen=False, slots=False)
class Stats:
    """Requests by status (or error kind); shared across clients, safe across threads."""

    by_status: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, key: str) -> None:
        with self.lock:
            self.by_status[key] += 1

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.by_status.values())


class _Deadline(float):
    """An operation's deadline (monotonic). The time its requests wait for a slot of the host's
    window (``waited``) is the bot's own pacing, not the registry's time: it moves the deadline
    (:meth:`due`), never past ``hard``. An operation runs on one thread, so nothing here is
    shared."""

    waited: float
    hard: float

    @classmethod
    def of(cls, at: float, hard: float) -> _Deadline:
        deadline = cls(at)
        deadline.waited, deadline.hard = 0.0, hard
        return deadline

    def due(self) -> float:
        return min(self + self.waited, self.hard)


@record
class _Ask:
    """One request as the retry loop repeats it."""

    method: str
    url: str
    repository: str
    deadline: _Deadline
    limit: int
    headers: dict[str, str] | None


class _RateLimiter:
    """At most ``rate`` request starts per second (a simple spacing limiter)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def wait(self, deadline: float) -> bool:
        """Wait for the next start: False, taking none, where it comes past ``deadline`` or the
        requests are stopped meanwhile. A start a tiny rate (1e-6 a second) spaced days ahead
        was slept for past every deadline and SIGTERM (1e-300: a sleep too long to ask)."""
        if not self.interval:
            return True
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            if at > deadline:
                return False
            self.next_at = at + self.interval
        return at <= now or not self.stopped.wait(at - now)


@functools.lru_cache(maxsize=4096)
def _quoted_repository(repository: str) -> str:
    """Each path segment of a repository name percent-quoted (a repository is asked for more
    than once a run: its tags, then a manifest)."""
    return "/".join(quote(part, safe="") for part in repository.split("/"))


class Requests:
    """One registry host's requests: connections, credentials, limits, retries and statistics."""

    def __init__(
        self,
        config: RegistryConfig,
        credential: Secrets | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        stats: Stats | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``env``: where the proxy and trust variables (``HTTPS_PROXY``, ``SSL_CERT_FILE``...)
        are read (the process environment by default)."""
        self.config = config
        self.host = config.host
        # what the host is read with, for what else asks it on the registry's behalf (its
        # push-time API): a cloud's login is the one login, shared
        self.credential = credential
        self.stats = stats or Stats()
        self.retry = retry or RETRY
        self._sleep = sleep
        # the requests in flight: up to max_concurrency, fewer while the host says it is overloaded
        self.window = Window(config.max_concurrency, START_IN_FLIGHT)
        self._rate = _RateLimiter(config.requests_per_second)
        self.base_url = f"{scheme_for(config)}://{config.host}"
        self._no_referrers_api = False
        if transport is None:
            if config.http2 and importlib.util.find_spec("h2") is None:
                # h2 is the `http2` extra: httpx would raise ImportError at the first request
                raise UsageError(
                    f"registry {config.host}: http2: true needs the 'http2' extra, which is not installed",
                    hint=install_hint("http2"),
                )
            # Loading the trust store costs ~25 ms: a plain-http registry has it made only if a
            # redirect or token realm leads to https. An https one at once (a bad ca_file is an
            # error before any request).
            ca_file = config.ca_file
            context = (
                ssl_context(ca_file, env)
                if self.base_url.startswith("https:")
                else (lambda: ssl_context(ca_file, env))
            )
            transport = Transport(
                ssl_context=context, http2=config.http2, max_connections=config.max_concurrency, env=env
            )
            # Token requests on connections of their own, with the registry's trust: on the
            # registry's pools (4 connections each, a thread's requests on one) a token request
            # took one of the registry's connections and its next request connected anew, two
            # TLS handshakes a token request (a 1,000-image plan over TLS with 32 token requests
            # opened 87 connections to the registry and 30 to the token service; now 64 and 4-6)
            elsewhere: httpx.BaseTransport = Transport(
                ssl_context=context, max_connections=TOKEN_CONNECTIONS, env=env
            )
        else:
            elsewhere = transport
        self._transport, self._elsewhere = transport, elsewhere
        self._aborted = False
        auth = RegistryAuth(config.host, credential, token_cache, scheme=scheme_for(config))
        self._channel = Channel(self.base_url, transport, auth, elsewhere)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def abort(self) -> None:
        """Stop now (SIGTERM): in-flight requests end, no retry or new request starts.
        Registry requests only read, so abandoning them leaves nothing half-done."""
        self._aborted = True
        self._rate.stopped.set()
        self.window.close()
        for transport in (self._transport, self._elsewhere):
            if isinstance(transport, Transport):
                transport.abort()

    def _stopping(self) -> RegistryUnavailable:
        """What a request met after :meth:`abort` raises."""
        return RegistryUnavailable(f"registry {self.host}: stopping", hint="nothing was changed")

    def repository(self, repository: str) -> str:
        """``repository`` as this host names it: under the path a mirror's copies sit under."""
        return f"{self.config.path}/{repository}" if self.config.path else repository

    def url(self, repository: str, kind: str, reference: str = "") -> str:
        """The one way a request path is built: every segment quoted, so a tag or repository
        holding ``/../``, ``?`` or ``#`` can never address another resource."""
        path = f"/v2/{_quoted_repository(self.repository(repository))}/{kind}"
        return f"{path}/{quote(reference, safe=':')}" if reference else path

    def deadline(self) -> float:
        """A fresh operation deadline (monotonic); the time its requests wait for a slot of the
        host's window is added to it as they wait."""
        now = time.monotonic()
        return _Deadline.of(
            now + OPERATION_TIMEOUTS * self.config.timeout, now + HARD_TIMEOUTS * self.config.timeout
        )

    # -- transport with retries --------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        repository: str,
        deadline: float,
        limit: int,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One request, retried while the registry is unavailable (408, 425, 429, 5xx, timeouts, refused
        connections) with back-off, within ``deadline``. A plain loop: the happy path builds
        nothing for the retries it does not need."""
        # a deadline made elsewhere than deadline() is fixed: no wait moves it
        op = deadline if isinstance(deadline, _Deadline) else _Deadline.of(deadline, deadline)
        # An attempt is never started with less than this left before the deadline: its certain
        # "timed out" would replace the real reason (a refused connection, a 503) in the error.
        ask = _Ask(method, url, repository, op, limit, headers)
        try:
            return _retry.call(
                lambda: self._send_once(ask),
                self.retry,
                op.due,
                sleep=self._sleep,
                stopped=lambda: self._aborted,
                least=min(MIN_ATTEMPT, self.config.timeout / 4),
            )
        except _retry.GaveUp as exc:
            if exc.unreached:  # never reached: no answer said anything of its load
                raise RegistryUnavailable(
                    f"registry {self.host} unreachable: {exc}", hint=f"{exc.unreached}, then run again"
                ) from None
            raise RegistryUnavailable(
                f"registry {self.host} unavailable: {exc}",
                hint="check that the registry is up and reachable, then run again",
            ) from None

    def _send_once(self, ask: _Ask) -> Reply:
        repository, limit = ask.repository, ask.limit
        if self._aborted:
            raise self._stopping()
        if not self._rate.wait(ask.deadline.hard):
            if self._aborted:
                raise self._stopping()
            raise RegistryUnavailable(
                f"registry {self.host}: requests_per_second {self.config.requests_per_second:g} spaces "
                "its next request past the run's deadline",
                hint="raise requests_per_second in gitops-bot.yaml (requests start 1/rate seconds apart)",
            )
        before = time.monotonic()
        try:
            ticket = self.window.take(ask.deadline.hard)
        except SlotTimeout:
            if self._aborted:
                raise self._stopping() from None
            self.stats.count("timeout")
            raise _retry.Retryable(
                "no request slot came free in time: its requests in flight did not end"
            ) from None
        seconds: float | None = None  # None: an answer that says nothing of the host's load
        overloaded = False
        try:
            started = time.monotonic()
            ask.deadline.waited += started - before
            if self._aborted:
                raise self._stopping()
            left = max(min(self.config.timeout, ask.deadline.due() - started), 0.001)
            try:
                response = self._channel.send(
                    ask.method,
                    ask.url,
                    ask.headers,
                    timeout=left,
                    connect_timeout=min(left, CONNECT_TIMEOUT),
                    limit=limit,
                )
            except TooLarge as exc:
                self.stats.count("too-large")
                raise RegistryProtocolError(f"{self.host}/{repository}: answer too large ({exc})") from None
            except Exception:
                # an exchange raises httpx's exceptions (mapped from httpcore's) only when it
                # fails: httpx is imported here, so a plan whose requests answer never loads it
                import httpx

                try:
                    raise
                except httpx.TimeoutException as exc:
                    if self._aborted:
                        raise self._stopping() from None
                    self.stats.count("timeout")
                    connect = min(left, CONNECT_TIMEOUT)
                    if isinstance(exc, httpx.ConnectTimeout) and connect >= min(
                        self.config.timeout, CONNECT_TIMEOUT
                    ):
                        # never accepted in its whole time: not reached, so nothing said of its load
                        dropped = connect_timed_out(self.host, connect)
                        log.info("registry_unreachable", registry=self.host, reason=dropped.what)
                        raise _retry.Retryable(dropped.what, unreached=dropped.check) from None
                    # a request cut short by the operation's deadline says nothing of the host
                    overloaded = left >= self.config.timeout
                    raise _retry.Retryable("timed out") from None
                except (  # before TransportError, which UnsupportedProtocol is
                    httpx.TooManyRedirects,
                    httpx.InvalidURL,
                    httpx.UnsupportedProtocol,
                    httpx.LocalProtocolError,
                ) as exc:
                    self.stats.count("bad-answer")
                    raise RegistryProtocolError(f"{self.host}/{repository}: {exc}") from None
                except httpx.TransportError as exc:
                    if self._aborted:
                        raise self._stopping() from None
                    self.stats.count("connection-error")
                    if isinstance(
                        exc.__cause__ or exc.__context__, ssl.SSLCertVerificationError
                    ) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                        raise RegistryUnavailable(
                            f"registry {self.host}: TLS certificate not trusted",
                            hint="set ca_file for this registry in gitops-bot.yaml to trust a private CA "
                            "(or add the CA to the system trust store, or name it in SSL_CERT_FILE)",
                        ) from None
                    unreached = not_reached(exc, self.host)
                    if unreached is not None:
                        # refused, no address, no route, a failed handshake: the host was never
                        # asked, so this says nothing of its load and the window stays as it is
                        log.info("registry_unreachable", registry=self.host, reason=unreached.what)
                        if unreached.lasting:  # the same handshake fails the same way every time
                            raise RegistryUnavailable(
                                f"registry {self.host} unreachable: {unreached.what}", hint=unreached.check
                            ) from None
                        raise _retry.Retryable(unreached.what, unreached=unreached.check) from None
                    # reset mid-exchange: a host that cannot take more; not a kept-alive connection
                    # the server closed while idle (a watch cycle's first request), which says nothing
                    overloaded = not isinstance(exc, httpx.RemoteProtocolError)
                    raise _retry.Retryable(f"connection lost ({type(exc).__name__})") from None
            overloaded = response.status in OVERLOAD_STATUSES
            seconds = time.monotonic() - started
        finally:
            if self.window.give(ticket, seconds, overloaded=overloaded):
                log.info(
                    "registry_overloaded",
                    registry=self.host,
                    in_flight=self.window.limit,
                    halvings=self.window.cuts,
                )
        if len(response.body) > limit:  # a transport that does not enforce the limit itself
            raise RegistryProtocolError(f"{self.host}/{repository}: answer too large (over {limit} bytes)")
        return self._sorted(response, repository, listing=ask.url.partition("?")[0].endswith("/tags/list"))

    def _sorted(self, response: Reply, repository: str, *, listing: bool = False) -> Reply:
        for earlier in response.history:  # auth round-trips: 401 challenges, token fetches
            self.stats.count(str(earlier.status))
        self.stats.count(str(response.status))
        _retry.raise_if_retryable(response)  # the one rule of every outbound call
        status = response.status
        repo_path = self.repository(repository)  # a mirror's path included: where it was looked for
        if status in (401, 403):
            raise RegistryAccessError(
                f"{self.host}/{repo_path}: access denied (HTTP {status})",
                status=status,
                hint="check the registry credentials (username_env/password_env, docker config.json)",
            )
        if status == 404:
            # a listing of tags not found: the repository itself is not there, which a person
            # reads as a fault of the registry unless told where the name came from
            hint = (
                "the registry holds no such repository: check the image's name in gitops-bot.yaml (one "
                "without a registry, redis, is read as Docker Hub's library/redis: a local build named so "
                "is no image there; through a mirror, push it under the mirror's path)"
                if listing
                else None
            )
            raise RegistryAccessError(f"{self.host}/{repo_path}: not found (HTTP 404)", status=404, hint=hint)
        if status >= 400:
            raise RegistryAccessError(f"{self.host}/{repo_path}: HTTP {status}", status=status)
        return answers.unencoded(response, self.host, repository)
