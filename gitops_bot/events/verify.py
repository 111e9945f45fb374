"""Does a request come from whom it claims? And have we seen it already?

Secrets are read from the environment variables the settings name, at request time, and
registered for redaction. Comparisons are constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from gitops_bot.events.settings import SourceSettings
from gitops_bot.log import register_secret

SIGNATURE_HEADERS = ("x-hub-signature-256", "x-signature-256")  # GitHub's, and ours for generic
MAX_REMEMBERED = 10_000  # delivery ids kept for the replay window, at most


class Rejected(Exception):
    """Answer ``status`` with this message (and log it); ``outcome`` labels the metric."""

    def __init__(self, status: int, outcome: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the form GitHub sends in X-Hub-Signature-256 (and we send too)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _secret(env_name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(env_name, "")
    if not value:
        raise Rejected(503, "unconfigured", f"environment variable {env_name} is not set")
    register_secret(value)
    return value


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def authenticate(
    source: SourceSettings,
    headers: Mapping[str, str],
    path_token: str | None,
    body: bytes,
    environ: Mapping[str, str],
) -> None:
    """Raise :class:`Rejected` unless the request carries the source's signature or token.
    ``headers`` have lowercase names; ``path_token`` is ``/webhook/NAME/TOKEN`` or ``?token=``."""
    if source.secret_env:
        secret = _secret(source.secret_env, environ)
        given = next((headers[h] for h in SIGNATURE_HEADERS if h in headers), "")
        if not given:
            raise Rejected(401, "unauthorized", "unsigned request (no X-Hub-Signature-256 header)")
        if not _same(given.strip(), signature(secret, body)):
            raise Rejected(401, "unauthorized", "the HMAC signature does not match the body")
        return
    if source.token_env:
        token = _secret(source.token_env, environ)
        auth = headers.get("authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not (bearer or path_token):
            raise Rejected(401, "unauthorized", "no token (Authorization: Bearer, or the token in the URL)")
        if not _same(bearer or path_token or "", token):
            raise Rejected(401, "unauthorized", "wrong token")
        return
    raise Rejected(503, "unconfigured", f"webhook source {source.name!r} has no secret_env or token_env")


class ReplayWindow:
    """Delivery ids seen in the last ``window`` seconds (bounded: the oldest go first)."""

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, delivery_id: str) -> bool:
        """True when ``delivery_id`` came within the window; remembers it either way."""
        now = self.clock()
        with self._lock:
            while self._seen and (
                len(self._seen) >= MAX_REMEMBERED or next(iter(self._seen.values())) < now - self.window
            ):
                self._seen.popitem(last=False)
            if delivery_id in self._seen:
                return True
            self._seen[delivery_id] = now
            return False
