"""Registry requests as the client sends them: one operation deadline, retries with back-off.

Failures are sorted here, at the boundary: 401/403/404 -> :class:`RegistryAccessError` (the app
skips that image); 429/5xx/timeouts/connection errors -> retried with back-off honouring
``Retry-After`` (bounded), then :class:`RegistryUnavailable` (the run ends with one line);
a body that breaks the spec -> :class:`RegistryProtocolError`. :class:`Requests` is the base
of :class:`~gitops_bot.registry.client.RegistryClient`, which asks the API's questions.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import quote

import certifi
import httpx

from gitops_bot.errors import (
    RegistryAccessError,
    RegistryProtocolError,
    RegistryUnavailable,
    UsageError,
)
from gitops_bot.instants import retry_after_seconds
from gitops_bot.model import is_loopback_host
from gitops_bot.registry import answers
from gitops_bot.registry.auth import RegistryAuth, TokenCache
from gitops_bot.registry.credentials import Credential
from gitops_bot.registry.session import Session
from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.registry.transport import Aborted, BodyTooLarge, StdlibTransport
from gitops_bot.registry.wire import Reply

# Every registry operation (all pages of a tag list, a digest, metadata) ends within this many
# request timeouts, retries and waits included.
OPERATION_TIMEOUTS = 1.5  # 45 s with the default 30 s timeout: a drip-fed plan ends inside a minute
MIN_ATTEMPT = 0.25  # seconds: the least time left before the deadline to start another attempt


@dataclass
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


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 30.0  # a Retry-After beyond this is capped, not obeyed


@dataclass(frozen=True, slots=True)
class _Ask:
    """One request as the retry loop repeats it."""

    method: str
    url: str
    repository: str
    deadline: float
    limit: int
    headers: dict[str, str] | None


class _Retryable(Exception):
    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def _retry_after(response: Reply) -> float | None:
    return retry_after_seconds(response.header("Retry-After"), time.time())


class _RateLimiter:
    """At most ``rate`` request starts per second (a simple spacing limiter)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


@functools.lru_cache(maxsize=4096)
def _quoted_repository(repository: str) -> str:
    """Each path segment of a repository name percent-quoted (a repository is asked for more
    than once a run: its tags, then a manifest)."""
    return "/".join(quote(part, safe="") for part in repository.split("/"))


def scheme_for(config: RegistryConfig) -> str:
    """Plain http only for loopback or a registry marked insecure; ``tls: true`` or a
    ``ca_file`` means https whatever the host."""
    if config.tls is not None:
        return "https" if config.tls else "http"
    if config.ca_file:
        return "https"
    return "http" if config.insecure or is_loopback_host(config.host) else "https"


def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load ca_file {ca_file}: {exc}", hint="point ca_file at a PEM CA certificate"
            ) from None
    return ctx


class Requests:
    """One registry host's requests: connections, credentials, limits, retries and statistics."""

    def __init__(
        self,
        config: RegistryConfig,
        credential: Credential | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        stats: Stats | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.host = config.host
        self.stats = stats or Stats()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(config.max_concurrency)
        self._rate = _RateLimiter(config.requests_per_second)
        self.base_url = f"{scheme_for(config)}://{config.host}"
        self._no_referrers_api = False
        if transport is None:
            # Loading the CA bundle costs ~25 ms: a plain-http registry has it made only if a
            # redirect or token realm leads to https. An https one at once (a bad ca_file is an
            # error before any request).
            ca_file = config.ca_file
            ssl_context = (
                _ssl_context(ca_file)
                if self.base_url.startswith("https:")
                else (lambda: _ssl_context(ca_file))
            )
            transport = StdlibTransport(ssl_context=ssl_context, max_idle=config.max_concurrency)
        self._transport = transport
        self._aborted = False
        self._session = Session(self.base_url, transport, RegistryAuth(config.host, credential, token_cache))

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def abort(self) -> None:
        """Stop now (SIGTERM): in-flight requests end, no retry or new request starts.
        Registry requests only read, so abandoning them leaves nothing half-done."""
        self._aborted = True
        if isinstance(self._transport, StdlibTransport):
            self._transport.abort()

    def url(self, repository: str, kind: str, reference: str = "") -> str:
        """The one way a request path is built: every segment quoted, so a tag or repository
        holding ``/../``, ``?`` or ``#`` can never address another resource."""
        path = f"/v2/{_quoted_repository(repository)}/{kind}"
        return f"{path}/{quote(reference, safe=':')}" if reference else path

    def deadline(self) -> float:
        """A fresh operation deadline (monotonic)."""
        return time.monotonic() + OPERATION_TIMEOUTS * self.config.timeout

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
        """One request, retried while the registry is unavailable (429, 5xx, timeouts, refused
        connections) with back-off, within ``deadline``. A plain loop: the happy path builds
        nothing for the retries it does not need."""
        # An attempt is never started with less than this left before the deadline: its certain
        # "timed out" would replace the real reason (a refused connection, a 503) in the error.
        least = min(MIN_ATTEMPT, self.config.timeout / 4)
        ask = _Ask(method, url, repository, deadline, limit, headers)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(ask)
            except _Retryable as exc:
                if attempt >= self.retry.attempts or self._aborted or deadline - time.monotonic() <= least:
                    raise RegistryUnavailable(
                        f"registry {self.host} unavailable: {exc.what} (after {attempt} attempts)",
                        hint="check that the registry is up and reachable, then run again",
                    ) from None
                backoff = min(self.retry.initial_wait * 2 ** (attempt - 1), self.retry.max_wait)
                if exc.retry_after is not None:
                    backoff = min(exc.retry_after, self.retry.max_wait)
                self._sleep(float(min(backoff, max(deadline - time.monotonic() - least, 0.0))))

    def _send_once(self, ask: _Ask) -> Reply:
        repository, limit = ask.repository, ask.limit
        if self._aborted:
            raise RegistryUnavailable(f"registry {self.host}: stopping", hint="nothing was changed")
        self._rate.wait()
        left = max(min(self.config.timeout, ask.deadline - time.monotonic()), 0.001)
        with self._slots:
            try:
                response = self._session.send(
                    ask.method,
                    ask.url,
                    ask.headers,
                    timeout=left,
                    connect_timeout=min(left, 10.0),
                    limit=limit,
                )
            except Aborted:
                raise RegistryUnavailable(
                    f"registry {self.host}: stopping", hint="nothing was changed"
                ) from None
            except BodyTooLarge as exc:
                self.stats.count("too-large")
                raise RegistryProtocolError(f"{self.host}/{repository}: answer too large ({exc})") from None
            except httpx.TimeoutException:
                self.stats.count("timeout")
                raise _Retryable("timed out") from None
            except (  # before TransportError, which UnsupportedProtocol is
                httpx.TooManyRedirects,
                httpx.InvalidURL,
                httpx.UnsupportedProtocol,
            ) as exc:
                self.stats.count("bad-answer")
                raise RegistryProtocolError(f"{self.host}/{repository}: {exc}") from None
            except httpx.TransportError as exc:
                self.stats.count("connection-error")
                if isinstance(
                    exc.__cause__ or exc.__context__, ssl.SSLCertVerificationError
                ) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                    raise RegistryUnavailable(
                        f"registry {self.host}: TLS certificate not trusted",
                        hint="set ca_file for this registry in gitops-bot.yaml to trust a private CA",
                    ) from None
                raise _Retryable(f"cannot connect ({type(exc).__name__})") from None
        if len(response.body) > limit:  # a transport that does not enforce the limit itself
            raise RegistryProtocolError(f"{self.host}/{repository}: answer too large (over {limit} bytes)")
        return self._sorted(response, repository)

    def _sorted(self, response: Reply, repository: str) -> Reply:
        for earlier in response.history:  # auth round-trips: 401 challenges, token fetches
            self.stats.count(str(earlier.status))
        self.stats.count(str(response.status))
        status = response.status
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(response))
        if status in (401, 403):
            raise RegistryAccessError(
                f"{self.host}/{repository}: access denied (HTTP {status})",
                status=status,
                hint="check the registry credentials (username_env/password_env, docker config.json)",
            )
        if status == 404:
            raise RegistryAccessError(f"{self.host}/{repository}: not found (HTTP 404)", status=404)
        if status >= 400:
            raise RegistryAccessError(f"{self.host}/{repository}: HTTP {status}", status=status)
        return answers.unencoded(response, self.host, repository)
