"""``POST /webhook/<source>``: one request end to end.

Order matters: the size is checked before the body is read, authentication before the body
is parsed, and the replay window after authentication (so nobody unauthenticated can fill
it). Every request is answered with a status and one line, logged once, and counted by source
and outcome. A registry retries what it does not see acknowledged with 2xx, so a push that
concerns no configured image is still a 200 (``ignored``), never an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from gitops_bot.events.payloads import PARSERS, PayloadError, Push, matches
from gitops_bot.events.settings import WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.events.verify import Rejected, ReplayWindow, authenticate
from gitops_bot.log import get_logger
from gitops_bot.model import ImageRef

log = get_logger("gitops_bot.events")
PREFIX = "/webhook/"


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class Receiver:
    def __init__(
        self,
        trigger: Trigger,
        count: Callable[[str, str], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.trigger = trigger
        self.count = count  # (source, outcome)
        self.environ = os.environ if environ is None else environ
        self.settings: WebhookSettings | None = None  # None until the first cycle read the config
        self.images: tuple[ImageRef, ...] = ()
        self.replays = ReplayWindow(0)

    def configure(self, settings: WebhookSettings, images: Sequence[ImageRef]) -> None:
        """The settings and images of the config the last cycle read."""
        self.settings, self.images = settings, tuple(images)
        self.replays.window = settings.replay_window
        self.trigger.debounce = settings.debounce

    def handle(self, path: str, headers: Mapping[str, str], body: Readable) -> tuple[int, str]:
        url = urlsplit(path)
        name, _, path_token = url.path.removeprefix(PREFIX).partition("/")
        settings = self.settings
        source = settings.source(name) if settings else None
        label = source.name if source else "unknown"
        try:
            if not url.path.startswith(PREFIX):
                raise Rejected(404, "not_found", "not found")
            if settings is None:
                raise Rejected(503, "not_ready", "not ready: no cycle has read the config yet")
            if source is None:
                raise Rejected(404, "unknown_source", f"no webhook source {name[:60]!r} in the config")
            lower = {k.lower(): v for k, v in headers.items()}
            data = _read(lower, body, settings.max_body)
            token = path_token or (parse_qs(url.query).get("token") or [""])[0] or None
            authenticate(source, lower, token, data, self.environ)
            try:
                delivery = PARSERS[source.type](data, lower)
            except PayloadError as exc:
                raise Rejected(400, "malformed", f"malformed {source.type} payload: {exc}") from None
            if self.replays.seen(delivery.id):
                return self._answer(label, 200, "replayed", "already received; ignored", [])
            pushes = [replace(p, registry=source.registry) if source.registry else p for p in delivery.pushes]
            wanted = [p for p in pushes if any(matches(p, img) for img in self.images)]
            if not wanted:
                return self._answer(label, 200, "ignored", "no configured image is concerned", pushes)
            self.trigger.add(wanted)
            return self._answer(label, 202, "accepted", "a cycle for these images will run", wanted)
        except Rejected as exc:
            return self._answer(label, exc.status, exc.outcome, str(exc), [])

    def _answer(
        self, source: str, status: int, outcome: str, text: str, pushes: list[Push]
    ) -> tuple[int, str]:
        self.count(source, outcome)
        # a registry reports every blob upload too: those (no tag, nothing to do) are debug lines
        emit = log.warning if status >= 400 else log.info if pushes or outcome != "ignored" else log.debug
        emit(
            "webhook",
            source=source,
            outcome=outcome,
            status=status,
            detail=text,
            pushes=[str(p) for p in pushes],
        )
        return status, f"{outcome}: {text}"


def _read(headers: Mapping[str, str], body: Readable, cap: int) -> bytes:
    """Exactly Content-Length bytes, refused before reading when over ``cap``."""
    length = headers.get("content-length", "")
    if "chunked" in headers.get("transfer-encoding", "").lower() or not length:
        raise Rejected(411, "malformed", "a Content-Length is required")
    if not length.isdigit():
        raise Rejected(400, "malformed", "invalid Content-Length")
    if int(length) > cap:
        raise Rejected(413, "too_large", f"body of {length} bytes is over the {cap}-byte limit")
    data = body.read(int(length))
    if len(data) != int(length):
        raise Rejected(400, "malformed", "the body ended before Content-Length bytes")
    return data
