"""Structured logging: console lines on a terminal, JSON otherwise; secrets redacted everywhere.

A log call is an event name and key=value fields (``log.info("plan_done", seconds=1.2)``), as
with structlog, whose output format this keeps (JSON keys: the fields, then ``event``,
``level``, ``timestamp``; console: ``TIME [level    ] event   key=value``). It is written here,
in ~100 lines, because ``import structlog`` costs more than the rest of ``plan``'s start-up
(it loads rich, pygments and asyncio for its development renderer): every command pays it.

Every secret the process learns (registry passwords, tokens, GitHub tokens) is registered with
:func:`register_secret`; :func:`redact` replaces it in any text that leaves the process: log
events, error messages, PR bodies.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

_secrets: set[str] = set()
_lock = threading.Lock()
_PATTERNS = [
    re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)[^\s'\"]+"),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{12,}"),
    re.compile(r"(://[^/\s:@]+:)[^@/\s]+(@)"),
    re.compile(r"(?i)((?:access_|refresh_|id)?token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}"),
]
REDACTED = "***"


def register_secret(value: str | None) -> None:
    """Remember a secret so it is never printed. Short values are ignored (too many false hits)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    for pat in _PATTERNS:
        text = pat.sub(lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex == 2 else ""), text)
    return text


def _redacted(fields: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in fields.items():
        if isinstance(value, str):
            value = redact(value)
        elif isinstance(value, BaseException):
            value = redact(str(value))
        out[key] = value
    return out


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


_LEVEL_WIDTH = len("exception")  # the console's level column, as structlog pads it
_EVENT_WIDTH = 30


def _console_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if set(value) & {" ", "\t", "=", "\r", "\n", '"', "'"} else value
    return repr(value)


def _console(fields: dict[str, Any], exc: str | None) -> str:
    head = [fields.pop("timestamp"), f"[{fields.pop('level'):<{_LEVEL_WIDTH}}]"]
    event = str(fields.pop("event"))
    head.append(event.ljust(_EVENT_WIDTH) if fields else event)
    line = " ".join(head + [f"{k}={_console_value(fields[k])}" for k in sorted(fields)]).rstrip(" ")
    return line + "\n" + exc if exc else line


def _json(fields: dict[str, Any], exc: str | None) -> str:
    if exc:
        fields["exception"] = exc
    return json.dumps(fields, default=repr)


class _Settings:
    level = logging.WARNING
    render = staticmethod(_json)
    stream: TextIO | None = None


_settings = _Settings()
_write_lock = threading.Lock()


class Logger:
    """What ``get_logger`` returns: ``log.info("event", key=value)``; typed, so mypy checks calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_enabled_for(self, level: int) -> bool:
        return level >= _settings.level

    def _log(self, level: int, name: str, event: str, fields: dict[str, Any], exc: bool = False) -> None:
        if level < _settings.level:
            return
        merged = _redacted({**(_context.get() or {}), **fields, "event": event})
        merged["level"] = name
        merged["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        trace = redact(traceback.format_exc()).rstrip("\n") if exc and sys.exc_info()[0] else None
        line = _settings.render(merged, trace)
        stream = _settings.stream or sys.stderr
        with _write_lock:
            print(line, file=stream, flush=True)

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
        self._log(logging.ERROR, "error", event, fields, exc=True)


def configure(level: str = "warning", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """``stream`` None means whatever ``sys.stderr`` is when a line is written."""
    if fmt == "auto":
        fmt = "console" if (stream or sys.stderr).isatty() else "json"
    _settings.level = logging.getLevelNamesMapping()[level.upper()]
    _settings.render = staticmethod(_console if fmt == "console" else _json)
    _settings.stream = stream


def get_logger(name: str) -> Logger:
    """The logger every module uses; typed, so mypy checks each log call."""
    return Logger(name)
