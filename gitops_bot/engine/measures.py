"""The metrics gates of a run: one client for the configured server, each environment's gates
read at the run's "now" (and over a window: a soak, the time since a release), once per
question, so a run's decisions judge one reading."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine.app import App
from gitops_bot.gate.metrics import Outcome, Reading, line


class Measures:
    """Each environment's metrics gates as the server answers them now. A server that cannot
    be asked (a credential missing) makes every reading unknown, saying why."""

    def __init__(self, app: App, environ: Mapping[str, str]) -> None:
        self.app = app
        self._environ = environ
        self._client: Any = None
        self._broken: str | None = None
        self._read: dict[tuple[str, datetime | None], tuple[Reading, ...]] = {}

    def read(self, env: EnvironmentConfig, since: datetime | None = None) -> tuple[Reading, ...]:
        """``env``'s gates now, each over [``since``, now] when given (empty: it has none)."""
        if not env.metrics_gates:
            return ()
        key = (env.name, since)
        if key not in self._read:
            now = self.app.clock()
            client = self._connect()
            if client is None:
                self._read[key] = tuple(
                    Reading(g.name, g.query, g.condition, Outcome.UNKNOWN, now, error=str(self._broken))
                    for g in env.metrics_gates
                )
            else:
                self._read[key] = tuple(client.reading(g, now, since) for g in env.metrics_gates)
        return self._read[key]

    def _connect(self) -> Any:
        if self._client is None and self._broken is None:
            from gitops_bot.gate.metrics import Prometheus

            try:
                self._client = Prometheus(self.app.config.metrics, self._environ, self.app.config.root)
            except GitOpsBotError as exc:
                self._broken = line(exc)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
