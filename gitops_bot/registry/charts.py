"""Where a Helm chart's versions come from: a classic chart repository's ``index.yaml``, or an
OCI registry's tags.

A classic repository publishes every version of every chart in one ``index.yaml``; some are
tens of megabytes. :class:`ChartIndexes` reads each repository's index at most once per run
(or ``watch`` cycle), asks again with ``If-None-Match``/``If-Modified-Since`` in the next one
(a 304 reuses what was read), stops the body at a cap, and keeps of it only each chart's version
strings: :func:`index_versions` walks the YAML as a stream of parser events, so no document
tree of the whole index (descriptions, maintainers, URLs of every version) is ever built, and
an alias is never expanded.

Credentials (``username_env``/``password_env`` of the host in ``registries:``) go only to the
index's own origin, over https (plain http only to loopback), and never after a redirect: a
redirected request goes without them, wherever it leads.

An OCI chart's versions are its tags with ``_`` read as ``+`` (OCI tags cannot hold ``+``,
so ``helm push`` writes SemVer build metadata with ``_``), keeping only the tags that are
SemVer versions, as ``helm`` itself lists them (:func:`oci_versions`).
"""

from __future__ import annotations

import base64
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import httpx
import semver
import yaml

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import is_loopback_host
from gitops_bot.net import retry as _retry
from gitops_bot.net.auth import same_origin
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.tls import ssl_context
from gitops_bot.net.transport import USER_AGENT, Reply, Transport, exchange
from gitops_bot.registry import credentials
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)

DEFAULT_INDEX_LIMIT = 64 << 20  # bytes of index.yaml (decoded); the largest public ones are ~30 MB
INDEX_TIMEOUTS = 4.0  # an index read may take this many of the host's request timeouts
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
OCI_SCHEME = "oci://"
_RAISE_LIMIT = "raise index_limit_mb of the chart in gitops-bot.yaml if the repository is that large"


# -- reading an index ------------------------------------------------------------------


def index_versions(text: bytes | str) -> dict[str, tuple[str, ...]]:
    """Each chart's versions as ``index.yaml`` lists them (``entries: {name: [{version: ...}]}``),
    in the order written. Every other field is skipped as the parser reads it. Raises
    ``ValueError`` for text that is not YAML or has no ``entries`` mapping."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    found = _helm_layout(raw)
    if found is not None:
        return found
    try:
        return _entries(iter(yaml.parse(raw, Loader=_Loader)))
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {str(exc).splitlines()[0]}") from None


# The lines of an index as ``helm repo index`` (Go's YAML encoder) writes it: chart names at
# two spaces under a root ``entries:``, each version an item ``  - `` at the same indent, and
# its fields at four spaces (nested fields, dependencies' versions and block scalars deeper).
_ENTRIES = re.compile(rb"^entries:[ \t]*\r?$", re.MULTILINE)
_LINE = re.compile(
    rb"^(?:"
    rb"  ([A-Za-z0-9_][A-Za-z0-9_.-]*):[ \t]*\r?$"  # a chart's name
    rb"|(  - )"  # one of its versions starts
    rb"|    version:[ \t]*([^\r\n]*?)[ \t]*\r?$"  # that version's own version
    rb"|(\S)"  # a root key: the entries end
    rb"|  (\S))",  # anything else at the charts' indent
    re.MULTILINE,
)
_PLAIN_VERSION = re.compile(rb"[A-Za-z0-9_.+-]+|\"[A-Za-z0-9_.+-]+\"|'[A-Za-z0-9_.+-]+'")


def _helm_layout(raw: bytes) -> dict[str, tuple[str, ...]] | None:
    """The versions read from the lines alone when the index has helm's own layout (a regular
    expression over 30 MB takes a fraction of a second; YAML events for it take half a
    minute). None when anything is off the layout (another writer's indentation, flow style,
    quoting beyond a plain version, an entry without exactly one version): the caller then
    parses it as YAML."""
    start = _ENTRIES.search(raw)
    if start is None or raw.startswith(b"\xef\xbb\xbf"):
        return None
    found: dict[str, list[str]] = {}
    items: dict[str, int] = {}
    chart: str | None = None
    first = start.end()
    while raw[first : first + 1] in (b"\r", b"\n"):
        first += 1
    head = _LINE.match(raw, first)
    if first < len(raw) and (head is None or (head.group(1) is None and head.group(4) is None)):
        return None  # the entries do not start with a chart name at two spaces
    for m in _LINE.finditer(raw, first):
        name, item, version, root, other = m.groups()
        if other is not None:
            return None  # a key at the charts' indent that is not a plain chart name
        if root is not None:
            if root in (b"-", b"#"):
                return None
            break  # the next root key: the entries are over
        if name is not None:
            chart = name.decode("ascii")
            if chart in found:
                return None
            found[chart], items[chart] = [], 0
        elif chart is None:
            return None
        elif item is not None:
            items[chart] += 1
        elif version is not None:
            if not _PLAIN_VERSION.fullmatch(version):
                return None
            found[chart].append(version.strip(b"\"'").decode("ascii"))
    if any(len(found[c]) != items[c] for c in found):
        return None
    return {c: tuple(v) for c, v in found.items()}


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _skip(events: Iterator[yaml.Event], first: yaml.Event) -> None:
    """Consume the rest of the node that ``first`` opened."""
    if not isinstance(first, yaml.MappingStartEvent | yaml.SequenceStartEvent):
        return
    depth = 1
    for event in events:
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
            if depth == 0:
                return


def _pairs(events: Iterator[yaml.Event]) -> Iterator[tuple[str | None, yaml.Event]]:
    """(key, first event of the value) of a mapping whose start was just read; the caller
    consumes each value (or :func:`_skip` s it) before asking for the next pair. A key that is
    not a plain scalar is ``None``."""
    for key in events:
        if isinstance(key, yaml.MappingEndEvent):
            return
        name = key.value if isinstance(key, yaml.ScalarEvent) else None
        _skip(events, key)
        yield name, next(events)


def _entries(events: Iterator[yaml.Event]) -> dict[str, tuple[str, ...]]:
    for event in events:
        if isinstance(event, yaml.MappingStartEvent):
            break
        if not isinstance(event, yaml.StreamStartEvent | yaml.DocumentStartEvent):
            raise ValueError("index.yaml is not a mapping")
    else:
        raise ValueError("index.yaml is empty")
    found: dict[str, tuple[str, ...]] | None = None
    for key, value in _pairs(events):
        if key == "entries" and isinstance(value, yaml.MappingStartEvent):
            found = {}
            for chart, versions in _pairs(events):
                if chart is not None and isinstance(versions, yaml.SequenceStartEvent):
                    found[chart] = found.get(chart, ()) + tuple(_versions(events))
                else:
                    _skip(events, versions)
        else:
            _skip(events, value)
    if found is None:
        raise ValueError("index.yaml has no 'entries' mapping")
    return found


def _versions(events: Iterator[yaml.Event]) -> Iterator[str]:
    """The ``version`` of each entry of a chart's sequence (its start just read)."""
    for entry in events:
        if isinstance(entry, yaml.SequenceEndEvent):
            return
        if not isinstance(entry, yaml.MappingStartEvent):
            _skip(events, entry)
            continue
        for key, value in _pairs(events):
            if key == "version" and isinstance(value, yaml.ScalarEvent) and value.value:
                yield value.value
            else:
                _skip(events, value)


def oci_versions(tags: Iterable[str]) -> list[str]:
    """A chart's versions from its OCI tags: ``_`` read as ``+`` (how ``helm push`` writes
    build metadata), and only tags that are then SemVer versions (what ``helm`` lists)."""
    out = []
    for tag in tags:
        version = tag.replace("_", "+")
        if semver.Version.is_valid(version):
            out.append(version)
    return out


def oci_tag(version: str) -> str:
    """The OCI tag ``helm push`` gives a chart version."""
    return version.replace("+", "_")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
        self._kept: dict[str, _Read] = {}  # across cycles: what a 304 reuses
        self._cycle: dict[str, Future[_Read]] = {}  # this cycle's reads, one per repository
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
    ) -> list[str]:
        """Every version of ``chart`` in the repository's index, as written there (``config``:
        the host's settings, else the ``settings`` this was made with).
        :class:`RegistryAccessError` when the index is refused or missing or lacks the chart,
        :class:`RegistryProtocolError` when it is unreadable or over ``limit`` bytes,
        :class:`RegistryUnavailable` when the host stays unreachable."""
        url = repository.rstrip("/") + "/index.yaml"
        with self._lock:
            found = self._cycle.get(url)
            first = found is None
            if found is None:
                found = self._cycle[url] = Future()
        if first:
            try:
                found.set_result(self._read(url, limit, config))
            except BaseException as exc:
                found.set_exception(exc)
        read = found.result()
        if chart not in read.versions:
            raise RegistryAccessError(f"chart repository {repository} has no chart {chart!r}", status=404)
        return list(read.versions[chart])

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

    def _read(self, url: str, limit: int, config: RegistryConfig | None) -> _Read:
        origin = httpx.URL(url)
        host = origin.netloc.decode("ascii")
        config = config or self._settings(host)
        if origin.scheme != "https" and not (config.insecure or is_loopback_host(host)):
            raise RegistryAccessError(
                f"chart repository {url}: plain http",
                hint=f"use https, or mark {host} insecure under registries: in gitops-bot.yaml",
            )
        headers = {"User-Agent": USER_AGENT, "Accept": "application/x-yaml, text/yaml, */*"}
        headers["Accept-Encoding"] = "gzip"
        authorization = self._authorization(config)
        with self._lock:
            kept = self._kept.get(url)
        if kept is not None:
            if kept.etag:
                headers["If-None-Match"] = kept.etag
            if kept.last_modified:
                headers["If-Modified-Since"] = kept.last_modified
        timeout = INDEX_TIMEOUTS * config.timeout
        deadline = time.monotonic() + timeout
        transport = self._transport(config)

        def attempt() -> Reply:
            return self._follow(transport, url, headers, authorization, deadline, limit)

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
            self._kept[url] = read
        log.debug("chart_index_read", url=url, bytes=len(body), charts=len(versions))
        return read

    def _authorization(self, config: RegistryConfig) -> str | None:
        if not (config.username_env and config.password_env):
            return None
        found = credentials.lookup(config, self._env)
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
    ) -> Reply:
        """One attempt: the index, following redirects by hand. The credential goes with the
        first request only (to the configured origin); a redirected one goes without it, and
        without the validators when it leaves the origin."""
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
            except (httpx.TooManyRedirects, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
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
