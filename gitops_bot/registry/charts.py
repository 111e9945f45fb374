"""Where a Helm chart's versions come from: a classic chart repository's ``index.yaml``, or an
OCI registry's tags.

A classic repository publishes every version of every chart in one ``index.yaml``; some are
tens of megabytes. :class:`ChartIndexes` reads each repository's index at most once per run
(or ``watch`` cycle), asks again with ``If-None-Match``/``If-Modified-Since`` in the next one
(a 304 reuses what was read), stops the body at a cap, and keeps of it only each chart's version
strings (:func:`~gitops_bot.registry.chart_index.index_versions`: no document tree of the whole
index, its descriptions, maintainers and URLs of every version, is ever built).

The index is read through a :class:`~gitops_bot.net.service.Service` for the repository's
origin (the one client: its deadline, byte cap, retry policy and typed outcomes). Redirects
are followed anywhere (``index.yaml`` on a CDN of another host is ordinary), at most
:data:`MAX_REDIRECTS`, never from https down to plain http. Credentials
(``username_env``/``password_env`` of the host in ``registries:``) go only to the index's own
origin, over https (plain http only to loopback or a host marked ``insecure``): a redirect
elsewhere goes without them.

An OCI chart's versions are its tags with ``_`` read as ``+`` (OCI tags cannot hold ``+``,
so ``helm push`` writes SemVer build metadata with ``_``), keeping only the tags that are
SemVer versions, as ``helm`` itself lists them (:func:`oci_versions`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future

import httpx
import semver

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.core.secret import is_loopback_host
from gitops_bot.net import retry as _retry
from gitops_bot.net.origins import origin
from gitops_bot.net.service import ANYWHERE, Answer, Credential, Refused, Service, Unavailable
from gitops_bot.net.tls import ssl_context
from gitops_bot.registry import credentials, retrying
from gitops_bot.registry.chart_index import index_versions
from gitops_bot.registry.memo import once
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)

DEFAULT_INDEX_LIMIT = 64 << 20  # bytes of index.yaml (decoded); the largest public ones are ~30 MB
INDEX_TIMEOUTS = 4.0  # an index read may take this many of the host's request timeouts
MAX_REDIRECTS = 5
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


@record
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


@record
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
        # one service per origin, trust, timeout and credential: a fleet's repositories with
        # other credentials for the same origin ask through their own
        self._services: dict[tuple[str, str | None, float, Credential | None], Service] = {}
        self._retry = retry or retrying.RETRY
        self._sleep = sleep
        self._lock = threading.Lock()
        # keyed by the URL and the credential it was read with: in a fleet, a repository whose
        # environment lacks a private index's credentials must not be answered (or revalidate)
        # from what another repository read with its own
        self._kept: dict[tuple[str, str], _Read] = {}  # across cycles: what a 304 reuses
        self._cycle: dict[tuple[str, str], Future[_Read]] = {}  # this cycle's reads
        self._aborted = False
        self.requests = 0  # questions asked of chart repositories (for tests and bench)

    def forget(self) -> None:
        """A new cycle: every index is asked again (with its validators)."""
        with self._lock:
            self._cycle = {}

    def abort(self) -> None:
        self._aborted = True
        for service in list(self._services.values()):
            service.abort()

    def close(self) -> None:
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for service in services:
            service.close()

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
        credential = self._credential(config, self._env if env is None else env)
        secret = credential.value if credential else ""
        key = (url, hashlib.sha256(secret.encode()).hexdigest() if secret else "")
        read = once(self._cycle, self._lock, key, lambda: self._read(url, key, limit, config, credential))
        if chart not in read.versions:
            raise RegistryAccessError(f"chart repository {repository} has no chart {chart!r}", status=404)
        return plausible_versions(chart, read.versions[chart])

    def _service(self, url: str, config: RegistryConfig, credential: Credential | None) -> Service:
        scheme, host, port = origin(url)
        base = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        timeout = INDEX_TIMEOUTS * config.timeout
        key = (base, config.ca_file, timeout, credential)
        with self._lock:
            found = self._services.get(key)
            if found is None:
                ca, env = config.ca_file, self._env
                found = self._services[key] = Service(
                    "chart repository",  # what reach.py's checks name ("check that a chart repository runs")
                    base,
                    credential=credential,
                    tls=lambda: ssl_context(ca, env),
                    # one deadline for an attempt, its redirects and its retries together
                    timeout=timeout,
                    total=timeout,
                    policy=self._retry,
                    redirects=ANYWHERE,
                    max_redirects=MAX_REDIRECTS,
                    headers={"Accept": "application/x-yaml, text/yaml, */*", "Accept-Encoding": "gzip"},
                    transport=self._given,
                    env=env,
                    sleep=self._sleep,
                )
                if self._aborted:
                    found.abort()
            return found

    def _read(
        self,
        url: str,
        key: tuple[str, str],
        limit: int,
        config: RegistryConfig,
        credential: Credential | None,
    ) -> _Read:
        host = httpx.URL(url).netloc.decode("ascii")
        if httpx.URL(url).scheme != "https" and not (config.insecure or is_loopback_host(host)):
            raise RegistryAccessError(
                f"chart repository {url}: plain http",
                hint=f"use https, or mark {host} insecure under registries: in gitops-bot.yaml",
            )
        headers: dict[str, str] = {}
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            if kept.etag:
                headers["If-None-Match"] = kept.etag
            if kept.last_modified:
                headers["If-Modified-Since"] = kept.last_modified
        service = self._service(url, config, credential)
        self.requests += 1
        # YAML, not JSON: the body is read as bytes (decoded from its Content-Encoding, the cap
        # counting decoded bytes, so a small gzip bomb cannot grow past it)
        outcome = service.get(url, headers=headers, limit=limit, parse=False)
        match outcome:
            case Answer(status=304) if kept is not None:
                log.debug("chart_index_unchanged", url=url)
                return kept
            case Answer(status=200, body=body):
                pass
            case Answer(status=status) | Refused(status=status) if status not in (401, 403):
                raise RegistryAccessError(f"chart repository {url}: HTTP {status}", status=status)
            case Refused(status=status):
                raise RegistryAccessError(
                    f"chart repository {url}: access denied (HTTP {status})",
                    status=status,
                    hint=f"set username_env/password_env for {host} under registries: in gitops-bot.yaml",
                )
            case Unavailable() as unavailable:
                raise self._unavailable(url, limit, unavailable)
        try:
            versions = index_versions(body)
        except ValueError as exc:
            raise RegistryProtocolError(f"chart repository {url}: unreadable index.yaml ({exc})") from None
        read = _Read(versions, outcome.header("ETag"), outcome.header("Last-Modified"))
        with self._lock:
            self._kept[key] = read
        log.debug("chart_index_read", url=url, bytes=len(body), charts=len(versions))
        return read

    def _unavailable(self, url: str, limit: int, unavailable: Unavailable) -> Exception:
        why = unavailable.why
        if self._aborted:
            return RegistryUnavailable(f"chart repository {url}: stopping", hint="nothing was changed")
        if why.startswith("answered more than"):
            return RegistryProtocolError(
                f"chart repository {url}: index.yaml is over {limit} bytes", hint=_RAISE_LIMIT
            )
        if unavailable.unreached:  # never reached: said as a registry's is, with what to check
            return RegistryUnavailable(
                f"chart repository {url} unreachable: {why}", hint=f"{unavailable.unreached}, then run again"
            )
        if unavailable.transient:
            return RegistryUnavailable(
                f"chart repository {url} unavailable: {why}",
                hint="check that the chart repository is up and reachable, then run again",
            )
        # what asking again would read the same: a redirect loop, a downgrade to plain http, a
        # body its Content-Encoding does not decode, a certificate not trusted
        return RegistryProtocolError(f"chart repository {url}: {why}")

    def _credential(self, config: RegistryConfig, env: Mapping[str, str] | None) -> Credential | None:
        if not (config.username_env and config.password_env):
            return None
        found = credentials.lookup(config, env)
        if found is None or found.username is None or found.password is None:
            return None
        return Credential.basic(found.username, found.password)
