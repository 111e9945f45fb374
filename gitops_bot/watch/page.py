"""The status page of ``watch --status-page``: ``GET``/``HEAD /`` (HTML) and ``/status.json``.

The watch loop computes each repository's status once per cycle and :meth:`StatusPage.publish`\\ es
it; the bodies, their ``ETag`` and ``Last-Modified`` are made then. A request only reads them
from memory: however often the page is asked, no registry, forge or Argo CD is.

The page shows what the bot knows of every environment (image names, PR titles, reasons), more
than ``/metrics`` does, so it is off unless asked for, and with a token (``--status-page-token-env``)
it is served only to a request carrying it: ``Authorization: Bearer <token>`` for scripts, or
HTTP Basic with the token as password (any user name), which a browser asks for by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from base64 import b64decode
from binascii import Error as Base64Error
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from gitops_bot.core.instants import parse_http_date
from gitops_bot.core.record import record
from gitops_bot.engine.report import Reports
from gitops_bot.engine.results import Status
from gitops_bot.events.receiver import ListenerResponse

SCHEMA = "gitops-bot/watch-status/v1"
PATHS = ("/", "/status.json")
HTML = "text/html; charset=utf-8"
JSON = "application/json"
REALM = 'Basic realm="gitops-bot status", charset="UTF-8"'


@record
class Snapshot:
    """One repository's status as a cycle computed it (``status`` None: ``error`` says why),
    and its delivery figures over the last 30 days (``delivery`` None: ``delivery_error`` says
    why, or none were asked)."""

    repository: str | None
    computed_at: datetime
    status: Status | None = None
    error: str | None = None
    delivery: Reports | None = None
    delivery_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "computed_at": self.computed_at.isoformat(timespec="seconds"),
            "error": self.error,
            "status": None if self.status is None else self.status.to_json(),
            # additive: `gitops-bot report --output json` over the same 30 days
            "delivery": None if self.delivery is None else self.delivery.to_json(),
            "delivery_error": self.delivery_error,
        }


@record
class _Bodies:
    version: str  # hex; the ETag's value
    modified: datetime
    html: bytes
    json: bytes


class StatusPage:
    """``render(snapshots, version)``: the HTML (:func:`gitops_bot.output.status_html.render`);
    ``headers``: the page's security headers (its Content-Security-Policy)."""

    def __init__(
        self,
        render: Callable[[Sequence[Snapshot], str], str],
        *,
        csp: str,
        token: str | None = None,
    ) -> None:
        self._render = render
        self._csp = csp
        self._token = token.encode() if token else None
        self.order: list[str | None] = []  # the repositories as listed (the watcher sets it)
        self._lock = threading.Lock()
        self._snapshots: dict[str | None, Snapshot] = {}
        self._bodies = self._make([], datetime.now(UTC))

    def publish(self, snapshot: Snapshot) -> None:
        """The loop's newest status of one repository; the page changes only when its data does."""
        with self._lock:
            self._snapshots[snapshot.repository] = snapshot
            known = {r: i for i, r in enumerate(self.order)}
            shown = sorted(self._snapshots.values(), key=lambda s: known.get(s.repository, len(known)))
            bodies = self._make(shown, snapshot.computed_at)
            if bodies.version != self._bodies.version:
                self._bodies = bodies

    def _make(self, shown: Sequence[Snapshot], when: datetime) -> _Bodies:
        data = json.dumps({"schema": SCHEMA, "repositories": [s.to_json() for s in shown]}, indent=2)
        version = hashlib.sha256(data.encode()).hexdigest()[:32]
        page = self._render(shown, version)
        return _Bodies(version, when.replace(microsecond=0), page.encode(), data.encode() + b"\n")

    def answer(self, path: str, headers: Mapping[str, str]) -> ListenerResponse | None:
        """The answer to a GET or HEAD of the page's paths; None: not the page's path."""
        if path not in PATHS:
            return None
        if not self._authorized(headers):
            return ListenerResponse(401, "unauthorized\n", headers=(("WWW-Authenticate", REALM), *_COMMON))
        b = self._bodies
        etag = f'"{b.version}"' if path == "/status.json" else f'"{b.version}-html"'
        meta: tuple[tuple[str, str], ...] = (
            ("ETag", etag),
            ("Last-Modified", format_datetime(b.modified, usegmt=True)),
            ("Cache-Control", "no-cache"),  # always revalidated: a 304 when nothing changed
            *_COMMON,
        )
        if path == "/":
            meta = (*meta, ("Content-Security-Policy", self._csp))
        if _not_modified(headers, etag, b.modified):
            return ListenerResponse(304, "", headers=meta)
        if path == "/status.json":
            return ListenerResponse(200, b.json.decode(), JSON, meta)
        return ListenerResponse(200, b.html.decode(), HTML, meta)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if self._token is None:
            return True
        given = _header(headers, "Authorization")
        scheme, _, value = given.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                value = b64decode(value, validate=True).decode().partition(":")[2]
            except (Base64Error, UnicodeDecodeError, ValueError):
                return False
        elif scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.encode(), self._token)


_COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
    match = _header(headers, "If-None-Match")
    if match:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or etag in tags
    since = _header(headers, "If-Modified-Since")
    if not since:
        return False
    when = parse_http_date(since)  # RFC 9110 13.1.3: an invalid date is ignored (full answer)
    return when is not None and modified <= when
