"""A loopback endpoint that records what is POSTed to it (notifications under test), and
answers from a script of statuses (then 200), so retries can be seen. ``echo``: a refusal's
body repeats the path it was asked for, as careless servers' 404 pages do (a webhook's secret
path, then, comes back in the answer)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from testkit.jsonapi import JSONServer


@dataclass
class Received:
    path: str
    body: Any
    headers: dict[str, str]


class HookServer(JSONServer):
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[Received] = []
        self.unexpected: list[str] = []
        self.echo = False
        self._lock = threading.Lock()
        self._serve(self._handle)

    def _handle(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if method != "POST":
            self.unexpected.append(f"{method} {path}")
            return 405, {"error": "POST only"}, {}
        with self._lock:
            self.received.append(Received(path, body, headers))
            status = self.statuses.pop(0) if self.statuses else 200
        if self.echo and status >= 400:
            return status, {"ok": False, "error": f"no hook at {path}"}, {}
        return status, {"ok": status < 300}, {}
