"""The ``webhooks:`` settings: owned here, composed by :mod:`gitops_bot.config`."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_TYPES = ("distribution", "github", "dockerhub", "generic")
DEFAULT_MAX_BODY = 1024 * 1024  # bytes; GitHub caps its own payloads at 25 MB, ours are small
DEFAULT_REPLAY_WINDOW = 600.0  # seconds a delivery id is remembered
DEFAULT_DEBOUNCE = 5.0  # seconds of quiet after a push before the targeted cycle starts


@dataclass(frozen=True)
class SourceSettings:
    """One ``POST /webhook/<name>`` endpoint.

    ``secret_env`` names the variable holding an HMAC-SHA256 key (GitHub, generic);
    ``token_env`` one holding a shared token (distribution: ``Authorization: Bearer``;
    Docker Hub: ``?token=`` or ``/webhook/<name>/<token>``; generic: either). ``registry``
    replaces the host a push names (a registry that sees itself under another name than the
    one the images are pulled from)."""

    name: str
    type: str
    secret_env: str | None = None
    token_env: str | None = None
    registry: str | None = None


@dataclass(frozen=True)
class WebhookSettings:
    sources: tuple[SourceSettings, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    replay_window: float = DEFAULT_REPLAY_WINDOW
    debounce: float = DEFAULT_DEBOUNCE

    def source(self, name: str) -> SourceSettings | None:
        return next((s for s in self.sources if s.name == name), None)
