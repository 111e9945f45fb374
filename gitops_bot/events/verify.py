"""Does a request come from whom it claims? And have we seen it already?

Secrets are read from the environment variables the settings name, at request time, and
registered for redaction. Comparisons are constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from gitops_bot.core.log import register_secret
from gitops_bot.core.secret import signature
from gitops_bot.events.bearer import BadToken, JwtVerifier, KeysUnavailable
from gitops_bot.events.settings import SourceSettings

# GitHub's and ours (generic) carry ``sha256=<hex>``; Gitea's and Forgejo's the bare hex
SIGNATURE_HEADERS = ("x-hub-signature-256", "x-signature-256", "x-gitea-signature", "x-forgejo-signature")
MAX_REMEMBERED = 10_000  # delivery ids and body digests kept for the replay window, at most


class Rejected(Exception):
    """Answer ``status`` with this message (and log it); ``outcome`` labels the metric."""

    def __init__(self, status: int, outcome: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome


def _secret(env_name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(env_name, "")
    if not value:
        raise Rejected(503, "unconfigured", f"environment variable {env_name} is not set")
    register_secret(value)
    return value


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def _presented(source: SourceSettings, headers: Mapping[str, str], path_token: str | None) -> list[str]:
    """Every place this request may carry the shared token, as the senders put it there."""
    found = []
    if source.header:
        found.append(headers.get(source.header.lower(), ""))
    auth = headers.get("authorization", "").strip()
    scheme, _, rest = auth.partition(" ")
    if scheme.lower() == "bearer":
        found.append(rest.strip())
    elif scheme.lower() == "basic":
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            found.append(base64.b64decode(rest.strip(), validate=True).decode("utf-8").partition(":")[2])
    elif auth:
        found.append(auth)  # Harbor's auth header and ACR's custom headers are sent verbatim
    if path_token:
        found.append(path_token)
    return [f for f in found if f]


def authenticate(
    source: SourceSettings,
    headers: Mapping[str, str],
    path_token: str | None,
    body: bytes,
    environ: Mapping[str, str],
    verifier: JwtVerifier | None = None,
) -> None:
    """Raise :class:`Rejected` unless the request carries the source's signature, or its
    token and/or bearer JWT (each one configured). ``headers`` have lowercase names;
    ``path_token`` is ``/webhook/NAME/TOKEN`` or ``?token=``; ``verifier`` keeps the key
    sets between requests."""
    if source.secret_env:
        secret = _secret(source.secret_env, environ)
        given = next((headers[h] for h in SIGNATURE_HEADERS if h in headers), "").strip()
        if not given:
            raise Rejected(
                401, "unauthorized", "unsigned request (no X-Hub-Signature-256 or X-Gitea-Signature)"
            )
        expected = signature(secret, body)
        if not _same(given if given.startswith("sha256=") else "sha256=" + given, expected):
            raise Rejected(401, "unauthorized", "the HMAC signature does not match the body")
        return
    if not source.token_env and source.jwt is None:
        raise Rejected(
            503, "unconfigured", f"webhook source {source.name!r} has no secret_env, token_env or jwt"
        )
    # the shared token first: it costs nothing, and a request without it (where one is
    # configured) never gets as far as a key set fetch
    if source.token_env:
        token = _secret(source.token_env, environ)
        presented = _presented(source, headers, path_token)
        if not presented:
            raise Rejected(401, "unauthorized", "no token (Authorization header, or the token in the URL)")
        # every candidate is compared, so the time taken does not say which place matched
        if not [p for p in presented if _same(p, token)]:
            raise Rejected(401, "unauthorized", "wrong token")
    if source.jwt is not None:
        scheme, _, bearer = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not bearer.strip():
            raise Rejected(401, "unauthorized", "no bearer token (Authorization: Bearer <JWT>)")
        try:
            (verifier or JwtVerifier()).verify(bearer.strip(), source.jwt)
        except BadToken as exc:
            raise Rejected(401, "unauthorized", f"bearer JWT refused: {exc}") from None
        except KeysUnavailable as exc:
            raise Rejected(503, "jwks_unavailable", f"{exc}; the sender will retry") from None


class ReplayWindow:
    """Keys (delivery ids, body digests) seen in the last ``window`` seconds; bounded: past
    :data:`MAX_REMEMBERED` the oldest go first."""

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, *keys: str) -> bool:
        """True when any of ``keys`` came within the window; remembers them all either way."""
        now = self.clock()
        with self._lock:
            while self._seen and (
                len(self._seen) + len(keys) > MAX_REMEMBERED
                or next(iter(self._seen.values())) < now - self.window
            ):
                self._seen.popitem(last=False)
            known = any(k in self._seen for k in keys)
            for key in keys:
                self._seen.pop(key, None)
                self._seen[key] = now
            return known

    def __len__(self) -> int:
        return len(self._seen)
