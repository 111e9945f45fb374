"""Deliver notices: render, redact, sign, POST with bounded retries; or print (``--dry-run``).

Every POST goes through :mod:`gitops_bot.net` (proxies, trust store, THE retry policy): each
attempt ends within the destination's ``timeout`` in all (a server dripping bytes cannot stretch
it) and reads at most :data:`ANSWER_LIMIT` bytes of the answer.

A notification that cannot be delivered is a warning (logged, and returned for the outcome's
warnings): the release it reports has already happened and stays a success."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from gitops_bot import __version__
from gitops_bot.core.log import get_logger, redact, register_secret
from gitops_bot.core.model import is_loopback_host
from gitops_bot.core.secret import signature
from gitops_bot.net import retry
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.transport import Transport, fetch
from gitops_bot.notify.message import RENDERERS, Notice
from gitops_bot.notify.settings import NotifierSettings

log = get_logger("gitops_bot.notify")
SIGNATURE_HEADER = "X-Gitops-Bot-Signature-256"
ANSWER_LIMIT = 64 << 10  # a chat webhook answers "ok"; only an error's first words are shown


class DeliveryError(Exception):
    pass


def redact_tree(value: Any) -> Any:
    """Every string in a JSON value through the same redaction as logs and PR bodies."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_tree(v) for k, v in value.items()}
    return value


class Notifier:
    def __init__(
        self,
        settings: Sequence[NotifierSettings],
        environ: Mapping[str, str],
        *,
        dry_run: bool = False,
        out: TextIO | None = None,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.dry_run = dry_run
        self.out = out
        self.backoff = backoff
        self.client = httpx.Client(transport=transport or Transport(), follow_redirects=False)

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.client.close()

    def send(self, notice: Notice) -> list[str]:
        """Deliver to every destination that wants it; returns a warning per failure."""
        warnings = []
        for s in self.settings:
            if not s.wants(notice.event, notice.environment):
                continue
            try:
                self._one(s, notice)
            except DeliveryError as exc:
                text = redact(f"notification {s.name} ({s.type}) not delivered: {exc}")
                log.warning("notification_failed", notifier=s.name, error=text)
                warnings.append(text)
        return warnings

    def _secret(self, env_name: str) -> str:
        value = self.environ.get(env_name, "")
        if not value:
            raise DeliveryError(f"environment variable {env_name} is not set")
        register_secret(value)
        return value

    def _one(self, s: NotifierSettings, notice: Notice) -> None:
        body = json.dumps(redact_tree(RENDERERS[s.type](notice)), sort_keys=True).encode()
        if self.dry_run:  # what would be sent, even where the secrets are not set (a PR check)
            print(
                f"gitops-bot: would notify {s.name} ({s.type}): {body.decode()}", file=self.out or sys.stderr
            )
            return
        url = s.url or self._secret(s.url_env or "")
        parts = urlsplit(url)
        loopback = is_loopback_host(parts.hostname or "")  # the host, not the userinfo before '@'
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise DeliveryError("the URL must be https:// (http:// only on loopback)")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"gitops-bot/{__version__}",
            "X-Gitops-Bot-Event": notice.event,
        }
        if s.secret_env:
            headers[SIGNATURE_HEADER] = signature(self._secret(s.secret_env), body)
        self._post(s, url, body, headers)
        log.info("notified", notifier=s.name, notice=notice.event, environment=notice.environment)

    def _post(self, s: NotifierSettings, url: str, body: bytes, headers: dict[str, str]) -> None:
        def attempt() -> None:
            try:
                r = fetch(
                    self.client,
                    "POST",
                    url,
                    timeout=s.timeout,
                    limit=ANSWER_LIMIT,
                    content=body,
                    headers=headers,
                )
            except TooLarge as exc:
                raise DeliveryError(f"the answer is over {exc.limit} bytes") from None
            except httpx.TimeoutException:
                raise retry.Retryable(f"no complete answer within {s.timeout:g}s") from None
            except httpx.HTTPError as exc:
                raise retry.Retryable(type(exc).__name__) from None
            retry.raise_if_retryable(r)
            if r.status >= 300:
                text = r.body[:200].decode("utf-8", "replace")
                raise DeliveryError(f"HTTP {r.status} {text}")

        policy = retry.RetryPolicy(attempts=s.attempts, initial_wait=self.backoff, max_wait=8.0)
        # each attempt has s.timeout; waits between them are bounded by the same budget
        deadline = time.monotonic() + s.attempts * (s.timeout + policy.max_wait)
        try:
            retry.call(attempt, policy, deadline)
        except retry.GaveUp as exc:
            raise DeliveryError(f"{exc.what} after {exc.attempts} attempts") from None
