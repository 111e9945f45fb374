"""Where a Helm chart's versions come from: a classic chart repository's ``index.yaml``, or an
OCI registry's tags.

A classic repository publishes every version of every chart in one ``index.yaml``; some are
tens of megabytes. :class:`ChartIndexes` reads each repository's index at most once per run
(or ``watch`` cycle), asks again with ``If-None-Match``/``If-Modified-Since`` in the next one
(a 304 reuses what was read), stops the body at a cap, and keeps of it only each chart's version
strings (:func:`~gitops_bot.registry.chart_index.index_versions`: no document tree of the whole
index, its descriptions, maintainers and URLs of every version, is ever built).

Credentials (``username_env``/``password_env`` of the host in ``registries:``) go only to the
index's own origin, over https (plain http only to loopback), and never after a redirect: a
redirected request goes without them, wherever it leads.

An OCI chart's versions are its tags with ``_`` read as ``+`` (OCI tags cannot hold ``+``,
so ``helm push`` writes SemVer build metadata with ``_``), keeping only the tags that are
SemVer versions, as ``helm`` itself lists them (:func:`oci_versions`).
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass

import httpx
import semver

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import is_loopback_host
from gitops_bot.net import retry as _retry
from gitops_bot.net.auth import same_origin
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.tls import ssl_context
from gitops_bot.net.transport import USER_AGENT, Reply, Transport, exchange
from gitops_bot.registry import credentials
from gitops_bot.registry.chart_index import index_versions
from gitops_bot.registry.memo import once
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)

DEFAULT_INDEX_LIMIT = 64 << 20  # bytes of index.yaml (decoded); the largest public ones are ~30 MB
INDEX_TIMEOUTS = 4.0  # an index read may take this many of the host's request timeouts
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
OCI_SCHEME = "oci://"
_RAISE_LIMIT = "raise index_limit_mb of the chart in gitops-bot.yaml if the repository is that large"


def oci_versions(tags: Iterable[str]) -> list[str]:
    """A chart's versions from its OCI tags: ``_`` read as ``+`` (how ``helm push`` writes
    build metadata), and only tags that are then SemVer versions (what ``helm`` lists)."""
    out = []
    for tag in tags:
        version = tag.replace("_", "+")
        if semver.Version.is_valid(version):
            out.append(version)
    return out


def plausible_versions(chart: str, versions: Iterable[str]) -> list[str]:
    """The versions worth ranking: one that is not a version (a control or line-separator
    character, whitespace, or far too long) fails only itself, so the chart's other versions
    and every other artifact of the run are still considered."""
    out = []
    for version in versions:
        if len(version) <= 128 and version.isprintable() and not any(c.isspace() for c in version):
            out.append(version)
        else:
            log.warning("implausible chart version ignored", chart=chart[:100], value=ascii(version[:64]))
    return out


def oci_tag(version: str) -> str:
    """The OCI tag ``helm push`` gives a chart version."""
    return version.replace("+", "_")


@dataclass(frozen=True, slots=True)
class OciChart:
    """``oci://host/path`` plus a chart name: where its tags are listed."""

    host: str
    repository: str  # path/chart inside the registry

    @classmethod
    def parse(cls, repository: str, chart: str) -> OciChart:
        rest = repository.removeprefix(OCI_SCHEME).strip("/")
        host, _, path = rest.partition("/")
        return cls(host, f"{path}/{chart}" if path else chart)


def is_oci(repository: str) -> bool:
    return repository.startswith(OCI_SCHEME)


# -- fetching indexes --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Read:
    """One repository's index as last read: its versions and the validators to ask again with."""

    versions: Mapping[str, tuple[str, ...]]
    etag: str
    last_modified: str


class ChartIndexes:
    """The classic chart repositories of a process. ``settings(host)``: the host's entry in
    ``registries:`` (TLS, CA, timeout, ``username_env``/``password_env``). :meth:`forget`
    starts a new cycle: each index is asked again, conditionally."""

    def __init__(
        self,
        settings: Callable[[str], RegistryConfig] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: _retry.RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings or (lambda host: RegistryConfig(host=host))
        self._env = env
        self._given = transport
        self._transports: dict[str | None, httpx.BaseTransport] = {}
        self._retry = retry or _retry.RetryPolicy()
        self._sleep = sleep
        self._lock = threading.Lock()
        # keyed by the URL and the credential it was read with: in a fleet, a repository whose
        # environment lacks a private index's credentials must not be answered (or revalidate)
        # from what another repository read with its own
        self._kept: dict[tuple[str, str], _Read] = {}  # across cycles: what a 304 reuses
        self._cycle: dict[tuple[str, str], Future[_Read]] = {}  # this cycle's reads
        self._aborted = False
        self.requests = 0  # HTTP exchanges made, redirects included (for tests and bench)

    def forget(self) -> None:
        """A new cycle: every index is asked again (with its validators)."""
        with self._lock:
            self._cycle = {}

    def abort(self) -> None:
        self._aborted = True
        for t in list(self._transports.values()):
            if isinstance(t, Transport):
                t.abort()

    def close(self) -> None:
        for t in list(self._transports.values()):
            t.close()
        self._transports.clear()

    def versions(
        self,
        repository: str,
        chart: str,
        *,
        limit: int = DEFAULT_INDEX_LIMIT,
        config: RegistryConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Every version of ``chart`` in the repository's index, as written there (``config``:
        the host's settings, else the ``settings`` this was made with; ``env``: where its
        ``username_env``/``password_env`` are looked up, else the ``env`` this was made with).
        :class:`RegistryAccessError` when the index is refused or missing or lacks the chart,
        :class:`RegistryProtocolError` when it is unreadable or over ``limit`` bytes,
        :class:`RegistryUnavailable` when the host stays unreachable."""
        url = repository.rstrip("/") + "/index.yaml"
        config = config or self._settings(httpx.URL(url).netloc.decode("ascii"))
        authorization = self._authorization(config, self._env if env is None else env)
        key = (url, hashlib.sha256(authorization.encode()).hexdigest() if authorization else "")
        read = once(self._cycle, self._lock, key, lambda: self._read(url, key, limit, config, authorization))
        if chart not in read.versions:
            raise RegistryAccessError(f"chart repository {repository} has no chart {chart!r}", status=404)
        return plausible_versions(chart, read.versions[chart])

    def _transport(self, config: RegistryConfig) -> httpx.BaseTransport:
        if self._given is not None:
            return self._given
        with self._lock:
            found = self._transports.get(config.ca_file)
            if found is None:
                ca, env = config.ca_file, self._env
                found = self._transports[config.ca_file] = Transport(
                    ssl_context=lambda: ssl_context(ca, env), env=env
                )
            return found

    def _read(
        self, url: str, key: tuple[str, str], limit: int, config: RegistryConfig, authorization: str | None
    ) -> _Read:
        origin = httpx.URL(url)
        host = origin.netloc.decode("ascii")
        if origin.scheme != "https" and not (config.insecure or is_loopback_host(host)):
            raise RegistryAccessError(
                f"chart repository {url}: plain http",
                hint=f"use https, or mark {host} insecure under registries: in gitops-bot.yaml",
            )
        headers = {"User-Agent": USER_AGENT, "Accept": "application/x-yaml, text/yaml, */*"}
        headers["Accept-Encoding"] = "gzip"
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            if kept.etag:
                headers["If-None-Match"] = kept.etag
            if kept.last_modified:
                headers["If-Modified-Since"] = kept.last_modified
        timeout = INDEX_TIMEOUTS * config.timeout
        deadline = time.monotonic() + timeout
        transport = self._transport(config)

        def attempt() -> Reply:
            return self._follow(transport, url, headers, authorization, deadline, limit, config.insecure)

        try:
            reply = _retry.call(
                attempt, self._retry, deadline, sleep=self._sleep, stopped=lambda: self._aborted
            )
        except _retry.GaveUp as exc:
            raise RegistryUnavailable(
                f"chart repository {url} unavailable: {exc}",
                hint="check that the chart repository is up and reachable, then run again",
            ) from None
        if reply.status == 304 and kept is not None:
            log.debug("chart_index_unchanged", url=url)
            return kept
        if reply.status in (401, 403):
            raise RegistryAccessError(
                f"chart repository {url}: access denied (HTTP {reply.status})",
                status=reply.status,
                hint=f"set username_env/password_env for {host} under registries: in gitops-bot.yaml",
            )
        if reply.status != 200:
            raise RegistryAccessError(f"chart repository {url}: HTTP {reply.status}", status=reply.status)
        body = _decoded(reply, url, limit)
        try:
            versions = index_versions(body)
        except ValueError as exc:
            raise RegistryProtocolError(f"chart repository {url}: unreadable index.yaml ({exc})") from None
        read = _Read(versions, reply.header("ETag"), reply.header("Last-Modified"))
        with self._lock:
            self._kept[key] = read
        log.debug("chart_index_read", url=url, bytes=len(body), charts=len(versions))
        return read

    def _authorization(self, config: RegistryConfig, env: Mapping[str, str] | None) -> str | None:
        if not (config.username_env and config.password_env):
            return None
        found = credentials.lookup(config, env)
        if found is None or found.username is None or found.password is None:
            return None
        token = base64.b64encode(f"{found.username}:{found.password}".encode()).decode("ascii")
        return f"Basic {token}"

    def _follow(
        self,
        transport: httpx.BaseTransport,
        url: str,
        headers: dict[str, str],
        authorization: str | None,
        deadline: float,
        limit: int,
        insecure: bool = False,
    ) -> Reply:
        """One attempt: the index, following redirects by hand. The credential goes with the
        first request only (to the configured origin); a redirected one goes without it, and
        without the validators when it leaves the origin. A redirect to plain http is followed
        only where the index itself could be plain http (``insecure``, or loopback): else
        anyone on the path could answer the versions in place of the https repository."""
        if self._aborted:
            raise RegistryUnavailable(f"chart repository {url}: stopping", hint="nothing was changed")
        target = url
        ask = {**headers, "Authorization": authorization} if authorization else dict(headers)
        for _ in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise _retry.Retryable("timed out")
            try:
                reply = exchange(transport, "GET", target, ask, timeout=left, limit=limit)
            except TooLarge:
                raise RegistryProtocolError(
                    f"chart repository {url}: index.yaml is over {limit} bytes",
                    hint=_RAISE_LIMIT,
                ) from None
            except httpx.TimeoutException:
                raise _retry.Retryable("timed out") from None
            except (
                httpx.TooManyRedirects,
                httpx.InvalidURL,
                httpx.UnsupportedProtocol,
                httpx.DecodingError,
            ) as exc:
                raise RegistryProtocolError(f"chart repository {url}: {exc}") from None
            except httpx.TransportError as exc:
                raise _retry.Retryable(f"cannot connect ({type(exc).__name__})") from None
            finally:
                self.requests += 1
            location = reply.header("Location") if reply.status in _REDIRECTS else ""
            if not location:
                _retry.raise_if_retryable(reply)
                return reply
            try:
                following = httpx.URL(target).join(location)
            except httpx.InvalidURL:
                raise RegistryProtocolError(f"chart repository {url}: unreadable redirect") from None
            if following.scheme not in ("http", "https"):
                raise RegistryProtocolError(f"chart repository {url}: redirect to {following.scheme}")
            if following.scheme == "http" and not (insecure or is_loopback_host(following.host)):
                raise RegistryProtocolError(
                    f"chart repository {url}: redirect to plain http ({following.host})",
                    hint="ask the repository to redirect to https, or mark the host insecure "
                    "under registries: in gitops-bot.yaml",
                )
            ask = {k: v for k, v in ask.items() if k != "Authorization"}
            if not same_origin(following, url):
                ask = {k: v for k, v in ask.items() if not k.startswith("If-")}
            target = str(following)
        raise RegistryProtocolError(f"chart repository {url}: more than {MAX_REDIRECTS} redirects")


def _decoded(reply: Reply, url: str, limit: int) -> bytes:
    """The body with a gzip ``Content-Encoding`` undone, the cap counting decoded bytes (a
    small gzip bomb cannot grow past it)."""
    encoding = reply.header("Content-Encoding").strip().lower()
    if encoding in ("", "identity"):
        return reply.body
    if encoding not in ("gzip", "x-gzip"):
        raise RegistryProtocolError(f"chart repository {url}: unexpected Content-Encoding {encoding!r}")
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflate.decompress(reply.body, limit + 1)
    except zlib.error:
        raise RegistryProtocolError(f"chart repository {url}: bad gzip body") from None
    if len(body) > limit or inflate.unconsumed_tail:
        raise RegistryProtocolError(
            f"chart repository {url}: index.yaml is over {limit} bytes",
            hint=_RAISE_LIMIT,
        )
    return body
