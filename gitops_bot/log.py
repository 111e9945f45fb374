"""structlog set-up: console lines on a terminal, JSON otherwise; secrets redacted everywhere.

Every secret the process learns (registry passwords, tokens, GitHub tokens) is registered with
:func:`register_secret`; :func:`redact` replaces it in any text that leaves the process: log
events, error messages, PR bodies.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import FilteringBoundLogger

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


def _redact_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = redact(value)
        elif isinstance(value, BaseException):
            event_dict[key] = redact(str(value))
    return event_dict


def configure(level: str = "warning", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """``stream`` None means whatever ``sys.stderr`` is when a line is written."""
    if fmt == "auto":
        fmt = "console" if (stream or sys.stderr).isatty() else "json"
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=lambda *_: structlog.PrintLogger(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> FilteringBoundLogger:
    """The logger every module uses; typed, so mypy checks each log call."""
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
