"""The ``notifications:`` settings: owned here, composed by :mod:`gitops_bot.config`."""

from __future__ import annotations

from dataclasses import dataclass

EVENTS = ("proposed", "committed", "promoted", "rolled_back", "hold", "gate_refused", "failed")
TYPES = ("slack", "teams", "webhook")


@dataclass(frozen=True)
class NotifierSettings:
    """One destination. The URL of a Slack or Teams webhook is itself a secret: give it by
    ``url_env``; ``url`` is for a generic endpoint whose address is not. ``secret_env`` (the
    generic webhook) signs each body with HMAC-SHA256 (``X-Gitops-Bot-Signature-256``)."""

    name: str
    type: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    events: tuple[str, ...] = EVENTS
    environments: tuple[str, ...] = ()  # empty: all
    timeout: float = 5.0  # seconds per attempt
    attempts: int = 3  # 5xx, 429 and transport errors are retried with back-off, this many tries

    def wants(self, event: str, environment: str | None) -> bool:
        in_env = not self.environments or environment is None or environment in self.environments
        return event in self.events and in_env
