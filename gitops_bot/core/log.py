"""Structured logging with structlog: console lines on a terminal, JSON otherwise; secrets
redacted everywhere.

A log call is an event name and key=value fields (``log.info("plan_done", seconds=1.2)``). The
:class:`Logger` every module gets checks the level itself and imports structlog only when a
line is really written: ``import structlog`` (it loads asyncio and, for its development
renderer, rich and pygments) costs more than the rest of ``plan``'s start-up, and at the
default level a ``plan`` or ``update`` writes no line at all. ``watch``, ``-v`` and any
warning pay it once, on their first line.

Every secret the process learns (registry passwords, tokens, GitHub tokens, notification URLs)
is registered with :func:`register_secret`, a URL in each of its secret parts too and every
secret in the spellings text from outside may echo it in (a server's 404 page repeats the
path, a git error the password, a 401 the ``Authorization`` header it was sent: base64 of
``user:secret``); :func:`redact` replaces them in any text that leaves the
process, and also the parts of any URL that are secrets by their place, registered or not:
userinfo (``https://user:pass@host``, ``https://token@host``), the paths of Slack, Teams and
Discord webhooks, and signed or token-bearing query parameters (``X-Amz-Signature``, ``sig``,
``token``, ...). Every output channel goes through it: log lines (ours, and the standard
``logging`` and ``warnings`` of libraries, routed here by :func:`configure`), an uncaught
exception's traceback, the CLI's and the Action's output streams (:class:`Redacting`), error
messages, PR, commit and notification text. A credential that renews registers each value as
its source's newest (:func:`renewing`): the values it replaced go after a grace period, so a
long ``watch`` keeps a bounded list.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import ipaddress
import logging
import re
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from gitops_bot.core import spellings
from gitops_bot.core.spellings import REDACTED

_lock = threading.Lock()
# Each pattern with the lowercase literals one of which every match contains: a pattern whose
# literals an ASCII text lacks cannot match it, and skipping it matters (a 1,000-image JSON
# plan is 0.7 MB; the ten patterns over it cost 0.1 s, the literal checks 1 ms). Each is
# compiled the first time a text holds one of its literals (_compiled): most runs print no
# webhook URL, header or signed query, and the ten compiled at import were ~1 ms of every start.
_PATTERNS: list[tuple[str, tuple[str, ...]]] = [
    (r"(?i)(authorization:\s*(?:bearer|basic|token)\s+)[^\s'\"]+", ("authorization:",)),
    (r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{12,}", ("bearer", "basic")),
    # userinfo: a password, or a lone user part of an http(s) URL (a token: https://TOKEN@host)
    (r"(://[^/\s:@]+:)[^@/\s]+(@)", ("://",)),
    (r"(?i)(\bhttps?://)[^/\s:@'\"]+(@)", ("://",)),
    # webhook URLs whose path is the credential
    (
        r"(?i)(hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/)[^\s'\"<>)]+",
        ("hooks.slack",),
    ),
    (
        r"(?i)(\.webhook\.office\.com/webhook(?:b2)?/)[^\s'\"<>)]+",
        (".webhook.office.com/webhook",),
    ),
    (r"(?i)(\.logic\.azure\.com(?::\d+)?/workflows/)[^\s'\"<>)?]+", (".logic.azure.com",)),
    (r"(?i)(discord(?:app)?\.com/api/(?:v\d+/)?webhooks/)[^\s'\"<>)]+", ("discord",)),
    # signed or token-bearing query parameters (S3/GCS presigned URLs, Azure SAS, API keys)
    (
        r"(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|"
        r"x-goog-credential|sig|signature|token|access_token|api[_-]?key|key|code|secret|password|"
        r"private_token|auth)=)[^&\s'\"#<>]+",
        ("=",),
    ),
    (
        r"(?i)((?:access_|refresh_|id)?token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}",
        ("token",),
    ),
]


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_MIN_SECRET = 4  # shorter values are ignored: too many false hits in ordinary text


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _url() -> re.Pattern[str]:
    return re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


# A credential that renews (a GitHub App's installation token, a registry's bearer token per
# scope, a cloud login) registers a new value each time, with its spellings; kept for ever,
# a week of ``watch`` held tens of thousands and every line paid for each. The value it
# replaces may still be echoed for a while (an answer to a request sent with it, a push that
# began before), so each *source* keeps its values registered in generations: the newest two
# always, older ones until RENEWAL_GRACE after they were replaced, and never more than
# MAX_GENERATIONS. The grace is longer than any request may take (a forge's 120 s with its
# waits, a registry's 90 s, a push's 90 s of retries); a source renewing more often than
# MAX_GENERATIONS times in it (a token service issuing tokens of seconds) keeps its last ones.
RENEWAL_GRACE = 900.0
KEEP_GENERATIONS = 2  # the value in force and the one before it, whatever their age
MAX_GENERATIONS = 16
_clock = time.monotonic


class _Generation:
    """The values one renewal of a source registered (the token, what was built of it)."""

    __slots__ = ("started", "values")

    def __init__(self, started: float) -> None:
        self.started = started
        self.values: set[str] = set()


class _Renewal:
    """A :func:`renewing` block: its sources, and its generations once it registers a value."""

    __slots__ = ("generations", "sources")

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources
        self.generations: list[_Generation] = []


_permanent: set[str] = set()  # values registered outside any renewal: the run's own secrets
_sources: dict[str, list[_Generation]] = {}  # each source's generations, oldest first
# every registered value (a secret, a part of a secret URL) -> its spellings and, of those,
# the base64 runs (redacted with the base64 around them)
_spelled: dict[str, tuple[frozenset[str], Mapping[str, spellings.Ends | None]]] = {}
# what redact() reads: every spelling, longest first (a secret inside a longer one is replaced
# after it), and the runs among them; rebuilt when a value comes or goes, never per line, and
# replaced whole, so a line reads it once without the lock
_lookup: tuple[tuple[str, ...], Mapping[str, spellings.Ends | None]] = ((), {})
_renewal: contextvars.ContextVar[_Renewal | None] = contextvars.ContextVar("gitops_bot_renewal", default=None)


@contextlib.contextmanager
def renewing(*sources: str) -> Iterator[None]:
    """The secrets registered inside the block are the new value of ``sources`` (one name per
    credential that renews: ``registry token ghcr.io repository:acme/web:pull``), replacing
    the values their previous renewals registered, which stay redacted for the grace above.
    A value built of one of them later, outside the block (``token <value>`` of a header,
    the same value handed to git), follows it: see :func:`register_secret`."""
    token = _renewal.set(_Renewal(tuple(sources)) if sources else None)  # none: the run's own
    try:
        yield
    finally:
        _renewal.reset(token)


def register_secret(value: str | None, *, renews: Iterable[str] = ()) -> None:
    """Remember a secret so it is never printed, in any spelling text from outside may echo it
    in (percent-encoded or decoded, JSON- or HTML-escaped). A URL is a secret in each of its
    parts too: a server's error page echoes the path it was asked for, a git error the
    userinfo, so each part is registered alongside the whole (:func:`secret_url_parts`).

    ``renews``: the value is the new one of these sources (as in a :func:`renewing` block).
    Outside any renewal a value is kept for the process's life, except one a renewal
    registered (the same token, handed on) or one holding such a value (``Bearer <token>``):
    it goes with that renewal's generation, or every renewal's value would stay for ever."""
    if not value or len(value) < _MIN_SECRET:
        return
    found = {value}
    if _url().match(value.strip()):
        found.update(secret_url_parts(value.strip()))
    sources = tuple(renews)
    if sources:
        with renewing(*sources):
            _register(found)
    else:
        _register(found)


def _register(found: set[str]) -> None:
    renewal = _renewal.get()
    with _lock:
        if renewal is None:
            found -= _permanent
            if not found:
                return  # the common case: a run's own secret registered again
            for v in found:
                holders = _holders(v)
                if holders is None:
                    _permanent.add(v)
                else:
                    holders.values.add(v)
            if all(v in _spelled for v in found):
                return  # a renewed value handed on: already looked for
        else:
            if not renewal.generations:
                now = _clock()
                for source in renewal.sources:
                    generations = _sources.setdefault(source, [])
                    generations.append(_Generation(now))
                    renewal.generations.append(generations[-1])
                    _prune(generations, now)
            for generation in renewal.generations:
                generation.values.update(found)
        new = [v for v in found if v not in _spelled]
        _spelled.update((v, _spelled_as(v)) for v in new)
        _forget_unheld()
        _rebuild()


def _holders(value: str) -> _Generation | None:
    """Under the lock: the newest generation holding ``value`` or a value inside it (a
    renewed token named again, or built into a header), as written or in base64 (a Basic
    header of ``user:<renewed password>``); None: a secret of the run's own."""
    texts = (value, *spellings.decoded_words(value))
    newest: _Generation | None = None
    for generations in _sources.values():
        for generation in generations:
            if (newest is None or generation.started >= newest.started) and (
                value in generation.values
                or any(len(v) >= 8 and any(v in t for t in texts) for v in generation.values)
            ):
                newest = generation
    return newest


def _prune(generations: list[_Generation], now: float) -> None:
    """Drop a source's oldest generations: beyond the newest KEEP_GENERATIONS, each replaced
    more than RENEWAL_GRACE ago, and any beyond MAX_GENERATIONS."""
    while len(generations) > KEEP_GENERATIONS and (
        len(generations) > MAX_GENERATIONS or generations[1].started <= now - RENEWAL_GRACE
    ):
        del generations[0]


def _forget_unheld() -> None:
    """Under the lock: the spellings of values neither permanent nor in any generation go."""
    held = set(_permanent)
    for generations in _sources.values():
        for generation in generations:
            held |= generation.values
    for v in [v for v in _spelled if v not in held]:
        del _spelled[v]


def _rebuild() -> None:
    global _lookup
    every: set[str] = set()
    runs: dict[str, spellings.Ends | None] = {}
    for spelled, ran in _spelled.values():
        every |= spelled
        for run, ends in ran.items():
            runs[run] = spellings.either(runs[run], ends) if run in runs else ends
    _lookup = (tuple(sorted(every, key=len, reverse=True)), runs)


def _saved() -> tuple[set[str], dict[str, list[_Generation]]]:
    """What is registered now, for :func:`_restore` (a test's secrets end with it)."""
    with _lock:
        return set(_permanent), {k: list(v) for k, v in _sources.items()}


def _restore(saved: tuple[set[str], dict[str, list[_Generation]]]) -> None:
    with _lock:
        _permanent.intersection_update(saved[0])
        _sources.clear()
        _sources.update(saved[1])
        _forget_unheld()
        _rebuild()


def _spelled_as(value: str) -> tuple[frozenset[str], Mapping[str, spellings.Ends | None]]:
    runs = spellings.run_spellings(value)
    found = {v for v in spellings.spellings(value) if len(v) >= _MIN_SECRET}
    return frozenset(found | runs.keys()), runs


def registered() -> int:
    """How many spellings :func:`redact` looks for (a figure for a long run's health)."""
    return len(_lookup[0])


def secret_url_parts(url: str) -> set[str]:
    """The parts of a secret URL that are secrets on their own: the userinfo (whole, the
    password, a lone user: ``https://TOKEN@host``), the path (whole, each segment that looks
    like a key rather than a word, and the rest of the path from such a segment on), the query
    (whole, and each value that looks like a key) and the fragment. The scheme, host and port
    are not secrets and stay readable; nor do words (``hooks``, ``json``), which registered
    alone would blank ordinary text everywhere."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    out: set[str] = set()
    userinfo, at, _host = parts.netloc.rpartition("@")  # a password may itself hold '@'
    if at and userinfo and not _is_address(userinfo):
        user, colon, password = userinfo.partition(":")
        out.update({userinfo, password} if colon and password else {userinfo, user})
    path = parts.path
    if path.strip("/"):
        out.add(path)  # one word alone ("hooks") is not blanked everywhere: only after a '/'
        segments = [s for s in path.split("/") if s]
        out.update(s for s in segments if _key_like(s))
        # a tail of the path from a key-like segment on (``T0/B0/secret`` of a Slack path)
        for i, s in enumerate(segments):
            if _key_like(s):
                out.add("/".join(segments[i:]))
    if parts.query:
        out.add(parts.query)
        values = (pair.partition("=")[2] for pair in parts.query.split("&"))
        out.update(v for v in values if _key_like(unquote(v)))
    if parts.fragment:
        out.add(parts.fragment)
    return {p for p in out if len(p) >= _MIN_SECRET}


def register_userinfo(url: str) -> None:
    """The userinfo of a URL that is not itself a secret (a repository's remote: its path
    names the repository and stays readable), in every part and spelling."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return
    userinfo = netloc.rpartition("@")[0]
    if userinfo:
        _user, colon, password = userinfo.partition(":")
        parts = (userinfo, password) if colon and password else (userinfo,)
        found = {p for p in parts if len(p) >= _MIN_SECRET}
        if found:
            _register(found)


def without_userinfo(url: str) -> str:
    """``url`` with any userinfo taken out (``https://bob:TOKEN@host/x`` -> ``https://host/x``):
    for text the bot writes into files or pull requests, where the redaction of its output
    does not reach. Anything that is not a URL with a netloc is returned as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    _userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url
    return parts._replace(netloc=host).geturl()


def _is_address(userinfo: str) -> bool:
    """``http://127.0.0.1@host``: an address posing as the host (refused as such where URLs
    are checked), not a credential; registered, it would blank every loopback address."""
    try:
        ipaddress.ip_address(userinfo.strip("[]"))
    except ValueError:
        return False
    return True


def _key_like(segment: str) -> bool:
    """A path segment that is a credential rather than a word: long, or mixing digits in."""
    return len(segment) >= 20 or (len(segment) >= 8 and any(c.isdigit() for c in segment))


def redact(text: str) -> str:
    order, runs = _lookup
    for s in order:
        if s in text:
            text = spellings.redact_run(text, s, runs[s]) if s in runs else text.replace(s, REDACTED)
    # Literals found in the text as it came: a replacement ("***") cannot join one that was not
    # there. Lowercasing matches (?i) only for ASCII (re folds U+017F to "s"): other text runs all.
    lowered = text.lower() if text.isascii() else None
    for pattern, literals in _PATTERNS:
        if lowered is not None and not any(lit in lowered for lit in literals):
            continue
        text = _compiled(pattern).sub(
            lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex == 2 else ""), text
        )
    return text


class Redacting:
    """A text stream that writes everything through :func:`redact` (the CLI's stdout and
    stderr, the Action's step log): no channel of ours prints around the redaction."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact_value(value: Any) -> Any:
    """``value`` with every string in it redacted, however deep: a log field may be a list of
    URLs (``watch``'s ``failed``) or a mapping of them, not only a string. An exception is its
    redacted message; numbers, booleans and None stay as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, BaseException):
        return redact(str(value))
    if isinstance(value, Mapping):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v) for v in value]
    return value


def _redacted(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: redact_value(value) for key, value in fields.items()}


_context: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "gitops_bot_log", default=None
)


@contextlib.contextmanager
def bound_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every line logged inside the block (in this thread or task)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class _Settings:
    level = logging.WARNING
    fmt = "json"
    stream: TextIO | None = None
    processors: list[Any] | None = None  # structlog's chain, built on the first line written


_settings = _Settings()
_build_lock = threading.Lock()


def _redact_processor(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return _redacted(event_dict)


def _processors() -> list[Any]:
    """structlog's processor chain for the configured format."""
    # structlog costs ~0.1 s to import, over half a one-image plan's start, and a run at the
    # default level that has nothing to warn about writes no line: imported with the first one
    import structlog

    renderer: Any = (
        structlog.processors.JSONRenderer(default=repr)
        if _settings.fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    return [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,  # a traceback is text, so it is redacted too
        _redact_processor,
        renderer,
        _redact_line,
    ]


def _redact_line(_logger: Any, _name: str, line: Any) -> Any:
    """The rendered line once more: a field's ``repr`` (an object the renderer printed, not a
    string) is only text here."""
    return redact(line) if isinstance(line, str) else line


def _emit(method: str, event: str, fields: dict[str, Any]) -> None:
    import structlog  # with the first line written (see _processors)

    with _build_lock:
        if _settings.processors is None:
            _settings.processors = _processors()
        processors = _settings.processors
    logger = structlog.wrap_logger(
        structlog.PrintLogger(_settings.stream or sys.stderr),  # sys.stderr as it is now
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        cache_logger_on_first_use=False,
    )
    getattr(logger, method)(event, **{**(_context.get() or {}), **fields})


class Logger:
    """What ``get_logger`` returns: ``log.info("event", key=value)``; typed, so mypy checks calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_enabled_for(self, level: int) -> bool:
        return level >= _settings.level

    def _log(self, level: int, method: str, event: str, fields: dict[str, Any]) -> None:
        if level >= _settings.level:
            _emit(method, event, fields)

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, "debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, "info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, "warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, "error", event, fields)

    def exception(self, event: str, **fields: Any) -> None:
        """An error line with the traceback being handled (redacted)."""
        self._log(logging.ERROR, "exception", event, fields)


def configure(level: str = "warning", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """``stream`` None means whatever ``sys.stderr`` is when a line is written. Also routes the
    standard ``logging`` and ``warnings`` of libraries, and an uncaught exception's traceback,
    through this log and its redaction (they would print around it otherwise)."""
    if fmt == "auto":
        fmt = "console" if (stream or sys.stderr).isatty() else "json"
    with _build_lock:
        _settings.level = logging.getLevelNamesMapping()[level.upper()]
        _settings.fmt = "console" if fmt == "console" else "json"
        _settings.stream = stream
        _settings.processors = None
    _capture_libraries()


class _Bridge(logging.Handler):
    """Standard-library log records of WARNING and above (httpx, botocore) as
    our lines: what Python's last-resort handler would otherwise print, unredacted and not
    JSON. Libraries' debug and info chatter stays out, as before."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno < max(_settings.level, logging.WARNING):
                return
            fields: dict[str, Any] = {"logger": record.name, "message": record.getMessage()}
            if record.exc_info:
                fields["traceback"] = "".join(traceback.format_exception(*record.exc_info))
            _emit("error" if record.levelno >= logging.ERROR else "warning", "library_log", fields)
        except Exception:  # a log line must never break the run
            self.handleError(record)


_bridge = _Bridge(logging.WARNING)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if _settings.level <= logging.WARNING:
        where = f"{filename}:{lineno}"
        _emit(
            "warning",
            "python_warning",
            {"category": category.__name__, "message": str(message), "where": where},
        )


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, exc, tb))))


def _capture_libraries() -> None:
    root = logging.getLogger()
    if _bridge not in root.handlers:
        root.addHandler(_bridge)
    warnings.showwarning = _show_warning
    sys.excepthook = _excepthook


def get_logger(name: str) -> Logger:
    """The logger every module uses; typed, so mypy checks each log call."""
    return Logger(name)
