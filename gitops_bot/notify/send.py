"""Deliver notices: render, redact, sign, POST with bounded retries; or print (``--dry-run``).

Every POST goes through a :class:`~gitops_bot.net.service.Service` for the destination's origin
(proxies, trust store, THE retry policy with the destination's ``attempts``): each attempt ends
within the destination's ``timeout`` in all (a server dripping bytes cannot stretch it), reads
at most :data:`ANSWER_LIMIT` bytes of the answer and is not parsed (a chat hook answers "ok").
A redirect is not followed: it is a failure that says so (the hook's URL has moved, and the
notice, its signature with it, goes only where it was configured to go). The URL, which may
hold the hook's secret in its path, is registered for redaction and never part of a message:
the service knows only its origin.

A notification that cannot be delivered is a warning (logged, and returned for the outcome's
warnings): the release it reports has already happened and stays a success."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from gitops_bot import __version__
from gitops_bot.core.log import get_logger, redact, register_secret
from gitops_bot.core.secret import is_loopback_host, signature
from gitops_bot.net import retry
from gitops_bot.net.origins import origin
from gitops_bot.net.service import Answer, Refused, Service, Unavailable
from gitops_bot.notify.message import RENDERERS, Notice
from gitops_bot.notify.settings import NotifierSettings

log = get_logger("gitops_bot.notify")
SIGNATURE_HEADER = "X-Gitops-Bot-Signature-256"
ANSWER_LIMIT = 64 << 10  # a chat webhook answers "ok"; only an error's first words are shown
MAX_WAIT = 8.0  # seconds between attempts at most, whatever a Retry-After asks
_GAVE_UP = re.compile(r"(.*) \(after (\d+) attempts\)")


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
        self._transport = transport
        self._services: dict[tuple[str, float, int], Service] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for service in services:
            service.close()

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

    def _service(self, s: NotifierSettings, url: str) -> Service:
        try:
            scheme, host, port = origin(url)
        except (httpx.InvalidURL, ValueError):
            raise DeliveryError("the URL cannot be read") from None  # not shown: it may hold the secret
        base = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        key = (base, s.timeout, s.attempts)
        with self._lock:
            found = self._services.get(key)
            if found is None:
                found = self._services[key] = Service(
                    f"notification {s.name}",
                    base,
                    timeout=s.timeout,
                    # each attempt has s.timeout; waits between them are bounded by the same budget
                    total=s.attempts * (s.timeout + MAX_WAIT),
                    limit=ANSWER_LIMIT,
                    policy=retry.RetryPolicy(
                        attempts=s.attempts, initial_wait=self.backoff, max_wait=MAX_WAIT
                    ),
                    transport=self._transport,
                )
            return found

    def _post(self, s: NotifierSettings, url: str, body: bytes, headers: dict[str, str]) -> None:
        outcome = self._service(s, url).request("POST", url, content=body, headers=headers, parse=False)
        match outcome:
            case Answer():
                return
            case Refused(status=status) if status < 400:
                raise DeliveryError(
                    f"HTTP {status}: a redirect is not followed (set the notification's URL to its target)"
                )
            case Refused(status=status, said=said):
                raise DeliveryError(f"HTTP {status}{' ' + said if said else ''}")
            case Unavailable(why=why):
                # the one retry policy's "HTTP 500 (after 2 attempts)", as this warning has always said it
                gave_up = _GAVE_UP.fullmatch(why)
                raise DeliveryError(f"{gave_up[1]} after {gave_up[2]} attempts" if gave_up else why)
