"""``POST /webhook/<source>``: one request end to end.

Order matters: the size is checked before the body is read, authentication before the body
is parsed, and the replay window after authentication (so nobody unauthenticated can fill
it). Every request is answered with a status and one line, logged once, and counted by source
and outcome. A registry retries what it does not see acknowledged with 2xx, so a push that
concerns no configured image is still a 200 (``ignored``), never an error.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from gitops_bot.core.log import get_logger
from gitops_bot.core.model import ImageRef
from gitops_bot.core.record import record
from gitops_bot.events.bearer import Fetch, JwtVerifier
from gitops_bot.events.payloads import PARSERS, PayloadError, Push, body_digest, matches
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.events.verify import Rejected, ReplayWindow, authenticate

log = get_logger("gitops_bot.events")
PREFIX = "/webhook/"
TEXT = "text/plain; charset=utf-8"
# CloudEvents' abuse protection: the origin is a DNS name ("eventgrid.azure.net")
_ORIGIN = re.compile(r"^[A-Za-z0-9*]([A-Za-z0-9.*-]{0,252})$")


@record
class ListenerResponse:
    """What the listener sends back: a status, one line (or Event Grid's JSON), headers."""

    status: int
    text: str
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@record
class _Route:
    """One GitOps repository's webhook settings and images, as its last cycle read them."""

    settings: WebhookSettings
    images: tuple[ImageRef, ...]


class Receiver:
    """Pushes in, for one GitOps repository or many (``watch`` over a fleet): each repository's
    own ``webhooks:`` settings authenticate the requests for it, and an accepted push is
    queued for the repositories whose config names its image."""

    def __init__(
        self,
        trigger: Trigger,
        count: Callable[[str, str], None],
        environ: Mapping[str, str] | None = None,
        wall: Callable[[], float] = time.time,
        jwks_fetch: Fetch | None = None,
    ) -> None:
        """``jwks_fetch``: how key sets of bearer JWTs are fetched (the net layer's by default)."""
        self.trigger = trigger
        self.count = count  # (source, outcome)
        self.environ = os.environ if environ is None else environ
        self.wall = wall  # the clock a sender's timestamp is compared with
        self._routes: dict[str | None, _Route] = {}  # none until the first cycle read a config
        self._lock = threading.Lock()
        self.replays = ReplayWindow(0)
        self.jwt = JwtVerifier(jwks_fetch)

    def configure(
        self, settings: WebhookSettings, images: Sequence[ImageRef], repository: str | None = None
    ) -> None:
        """The settings and images of the config ``repository``'s last cycle read (None: the
        only repository). With many, the longest replay window and the shortest debounce
        apply to all."""
        with self._lock:
            self._routes[repository] = _Route(settings, tuple(images))
            routes = list(self._routes.values())
        self.replays.window = max(r.settings.replay_window for r in routes)
        self.trigger.debounce = min(r.settings.debounce for r in routes)

    def handle(self, path: str, headers: Mapping[str, str], body: Readable) -> tuple[int, str]:
        """A ``POST``: its status and line."""
        answer = self.respond("POST", path, headers, body)
        return answer.status, answer.text

    def respond(self, method: str, path: str, headers: Mapping[str, str], body: Readable) -> ListenerResponse:
        """A ``POST`` (a delivery), or an ``OPTIONS`` (CloudEvents' abuse-protection handshake)."""
        url = urlsplit(path)
        name, _, path_token = url.path.removeprefix(PREFIX).partition("/")
        with self._lock:
            routes = dict(self._routes)
        # the repositories whose config has this source, by its settings (usually one)
        sources: dict[SourceSettings, list[tuple[str | None, _Route]]] = {}
        for repository, route in routes.items():
            if (found := route.settings.source(name)) is not None:
                sources.setdefault(found, []).append((repository, route))
        label = next(iter(sources)).name if sources else "unknown"
        try:
            if not url.path.startswith(PREFIX):
                raise Rejected(404, "not_found", "not found")
            if not routes:
                raise Rejected(503, "not_ready", "not ready: no cycle has read the config yet")
            if not sources:
                raise Rejected(404, "unknown_source", f"no webhook source {name[:60]!r} in the config")
            lower = {k.lower(): v for k, v in headers.items()}
            if method == "OPTIONS":
                return self._handshake(label, sources, lower)
            data = _read(lower, body, max(r.settings.max_body for _, r in _flat(sources)))
            token = path_token or (parse_qs(url.query).get("token") or [""])[0] or None
            trusted = _authenticated(sources, lower, token, data, self.environ, self.jwt)
            return self._accept(label, trusted, lower, data)
        except Rejected as exc:
            return self._answer(label, exc.status, exc.outcome, str(exc), [])

    def _handshake(
        self,
        label: str,
        sources: Mapping[SourceSettings, list[tuple[str | None, _Route]]],
        headers: Mapping[str, str],
    ) -> ListenerResponse:
        """CloudEvents 1.0 webhook abuse protection, as Event Grid sends it before CloudEvents
        deliveries: ``WebHook-Request-Origin`` is answered with ``WebHook-Allowed-Origin``.
        It grants nothing (every delivery is still authenticated) and is answered without
        credentials: the sender is not required to send them with it."""
        if not any(s.type == "acr" for s in sources):
            raise Rejected(405, "malformed", "OPTIONS is only answered for an acr (Event Grid) source")
        origin = headers.get("webhook-request-origin", "").strip()
        if not _ORIGIN.match(origin):
            raise Rejected(400, "malformed", "an OPTIONS handshake needs a WebHook-Request-Origin host name")
        extra = [("WebHook-Allowed-Origin", origin), ("Allow", "POST, OPTIONS")]
        if headers.get("webhook-request-rate"):
            extra.append(("WebHook-Allowed-Rate", "*"))  # the listener bounds itself (connections)
        answer = self._answer(label, 200, "handshake", f"deliveries from {origin} are allowed", [])
        return replace(answer, headers=tuple(extra))

    def _accept(
        self,
        label: str,
        trusted: dict[SourceSettings, list[tuple[str | None, _Route]]],
        headers: Mapping[str, str],
        data: bytes,
    ) -> ListenerResponse:
        """Parse the authenticated body once per source; refuse replays and stale deliveries;
        queue each repository's pushes. Only a body that is not the sender's shape at all is
        a 400: events out of scope or malformed beside good ones are still a 2xx (a sender
        retries what it does not see acknowledged, EventBridge and Pub/Sub for hours)."""
        wanted: dict[str | None, list[Push]] = {}
        everything: list[Push] = []
        keys: list[str] = []
        malformed: list[str] = []
        stale: float | None = None
        now = self.wall()
        for source, targets in trusted.items():
            try:
                delivery = PARSERS[source.type](data, headers)
            except PayloadError as exc:
                raise Rejected(400, "malformed", f"malformed {source.type} payload: {exc}") from None
            if delivery.validation is not None:
                # Event Grid proves we want its deliveries: the code back, synchronously
                self._answer(label, 200, "validation", "Event Grid subscription validated", [])
                return ListenerResponse(
                    200, json.dumps({"validationResponse": delivery.validation}), "application/json"
                )
            if delivery.id is not None:
                keys.append(f"{source.name}:{delivery.id}")
            if source.secret_env:
                # the signature covers the body only: the same body under a new delivery id
                # is a replay too (GitHub's own "redeliver" keeps the id)
                keys.append(f"{source.name}:body:{body_digest(data)}")
            window = self.replays.window
            # a window of 0 turns replay protection off, the time check with it
            if window > 0 and delivery.sent_at is not None and abs(now - delivery.sent_at) > window:
                stale = delivery.sent_at
            malformed += delivery.malformed
            pushes = [replace(p, registry=source.registry) if source.registry else p for p in delivery.pushes]
            everything += pushes
            for repository, route in targets:
                mine = [p for p in pushes if any(matches(p, img) for img in route.images)]
                if mine:
                    wanted.setdefault(repository, []).extend(mine)
        if malformed:
            log.warning(
                "webhook", source=label, outcome="malformed_event", detail="; ".join(malformed)[:2000]
            )
        if keys and self.replays.seen(*keys):
            return self._answer(label, 200, "replayed", "already received; ignored", [])
        if stale is not None:
            age = now - stale
            return self._answer(
                label,
                200,
                "stale",
                f"sent {age:.0f}s ago, outside the {self.replays.window:g}s replay window; not acted on",
                [],
            )
        if not wanted:
            why = "no configured image is concerned" if everything else "no tagged push in this delivery"
            return self._answer(label, 200, "ignored", why, everything)
        for repository, pushes in wanted.items():
            self.trigger.add(pushes, repository)
        accepted = list({str(p): p for ps in wanted.values() for p in ps}.values())
        return self._answer(label, 202, "accepted", "a cycle for these images will run", accepted)

    def _answer(
        self, source: str, status: int, outcome: str, text: str, pushes: list[Push]
    ) -> ListenerResponse:
        self.count(source, outcome)
        # a registry reports every blob upload, pull and delete too: out of scope, debug lines
        emit = log.warning if status >= 400 else log.debug if outcome == "ignored" else log.info
        emit(
            "webhook",
            source=source,
            outcome=outcome,
            status=status,
            detail=text,
            pushes=[str(p) for p in pushes],
        )
        return ListenerResponse(status, f"{outcome}: {text}")


def _read(headers: Mapping[str, str], body: Readable, cap: int) -> bytes:
    """Exactly Content-Length bytes, refused before reading when over ``cap``."""
    length = headers.get("content-length", "")
    if "chunked" in headers.get("transfer-encoding", "").lower() or not length:
        raise Rejected(411, "malformed", "a Content-Length is required")
    # ASCII only: str.isdigit() is also true of '²' and other scripts' digits, which int() rejects
    # or reads as a different number than the sender's HTTP stack did
    if not (length.isascii() and length.isdigit()):
        raise Rejected(400, "malformed", "invalid Content-Length")
    if int(length) > cap:
        raise Rejected(413, "too_large", f"body of {length} bytes is over the {cap}-byte limit")
    data = body.read(int(length))
    if len(data) != int(length):
        raise Rejected(400, "malformed", "the body ended before Content-Length bytes")
    return data


def _flat(
    sources: Mapping[SourceSettings, list[tuple[str | None, _Route]]],
) -> list[tuple[str | None, _Route]]:
    return [target for targets in sources.values() for target in targets]


def _authenticated(
    sources: dict[SourceSettings, list[tuple[str | None, _Route]]],
    headers: Mapping[str, str],
    token: str | None,
    data: bytes,
    environ: Mapping[str, str],
    verifier: JwtVerifier,
) -> dict[SourceSettings, list[tuple[str | None, _Route]]]:
    """The sources (and their repositories) this request proves itself to; when it proves
    itself to none, the first refusal."""
    trusted, refusals = {}, []
    for source, targets in sources.items():
        try:
            authenticate(source, headers, token, data, environ, verifier)
        except Rejected as exc:
            refusals.append(exc)
        else:
            trusted[source] = targets
    if not trusted:
        raise refusals[0]
    return trusted
