"""The ``notifications:`` settings: owned here, composed by :mod:`gitops_bot.config`."""

from __future__ import annotations

from gitops_bot.core.record import record
from gitops_bot.core.settings import URL, between, one_of, setting, within

EVENTS = ("proposed", "committed", "promoted", "rolled_back", "hold", "gate_refused", "failed")
TYPES = ("slack", "teams", "webhook")
_EVENT = {"$ref": "#/$defs/event"}


@record
class NotifierSettings:
    """One destination. The URL of a Slack or Teams webhook is itself a secret: give it by
    ``url_env``; ``url`` is for a generic endpoint whose address is not. ``secret_env`` (the
    generic webhook) signs each body with HMAC-SHA256 (``X-Gitops-Bot-Signature-256``)."""

    name: str = setting(description="What messages and logs call it (default: its type).")
    type: str = setting(
        description="slack, teams or webhook (a JSON POST).",
        rules=(one_of(TYPES, "{what}: type must be one of " + ", ".join(TYPES)),),
    )
    url: str | None = setting(
        None,
        "A generic webhook's address; a Slack or Teams URL is a secret: give it by url_env.",
        schema={"type": "string", "pattern": URL},
    )
    url_env: str | None = setting(None, "The variable holding the webhook's URL.")
    secret_env: str | None = setting(None, "Signs a generic webhook's body (HMAC-SHA256).")
    events: tuple[str, ...] = setting(
        EVENTS,
        "The events it is told of (default: all).",
        schema={"oneOf": [_EVENT, {"type": "array", "items": _EVENT}]},
    )
    environments: tuple[str, ...] = setting((), "Only events of these environments (default: all).")
    timeout: float = setting(
        5.0,
        "Seconds one attempt may take.",
        rules=(within(60), between(0, None, "{what}: timeout must be more than 0 seconds", above=True)),
    )
    # 5xx, 429 and transport errors are retried with back-off, this many tries
    attempts: int = setting(
        3,
        "Tries, with back-off, after a 5xx, a 429 or a transport error.",
        rules=(between(1, 10, "{what}: attempts must be between 1 and 10"),),
    )

    def wants(self, event: str, environment: str | None) -> bool:
        in_env = not self.environments or environment is None or environment in self.environments
        return event in self.events and in_env
