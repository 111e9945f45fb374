"""The gates of an environment, read once a run: its metrics gates (one client for the
configured server), the forge's checks on its release commit and its web gates, each answering
a :class:`~gitops_bot.gate.reading.Reading` at the run's "now" (and over a window: a soak, the
time since a release), so a run's decisions judge one reading of each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.checks import CommitChecks, checks_of
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine.app import App
from gitops_bot.forges import registry
from gitops_bot.gate import checks as checks_gate
from gitops_bot.gate import metrics, web
from gitops_bot.gate.checks import ChecksGate
from gitops_bot.gate.metrics import Prometheus
from gitops_bot.gate.reading import Reading, line
from gitops_bot.git.gitcli import Repo


class Measures:
    """Each environment's metrics gates as the server answers them now. A server that cannot
    be asked (a credential missing) makes every reading unknown, saying why."""

    def __init__(
        self, app: App, environ: Mapping[str, str], forge: Callable[[], object | None] | None = None
    ) -> None:
        """``forge``: the repository's forge, connected when first asked (None: not
        connectable, and a checks gate reads unknown); default: from the checkout's origin."""
        self.app = app
        self._environ = environ
        self._client: Any = None
        self._broken: str | None = None
        self._read: dict[tuple[str, datetime | None], tuple[Reading, ...]] = {}
        self._promotion: dict[tuple[str, datetime | None], tuple[Reading, ...]] = {}
        self._forge = forge

    def promotion(self, env: EnvironmentConfig, since: datetime | None = None) -> tuple[Reading, ...]:
        """What must hold in ``env`` before what it runs is promoted further: its metrics
        gates (over [``since``, now] when given), the forge's checks on the commit that
        released it, its web gates; each read once a run."""
        key = (env.name, since)
        if key not in self._promotion:
            now = self.app.clock()
            out = list(self.read(env, since))
            if env.checks_gate is not None:
                out.append(self._checks(env, env.checks_gate, now))
            if env.web_gates:
                out += [web.read(g, self._environ, now) for g in env.web_gates]
            self._promotion[key] = tuple(out)
        return self._promotion[key]

    def _checks(self, env: EnvironmentConfig, gate: ChecksGate, now: datetime) -> Reading:
        return checks_gate.read(gate, env.name, self._release_commit(env), self._checks_port, now)

    def _checks_port(self) -> CommitChecks | None:
        return checks_of(self._connect_forge())

    def _release_commit(self, env: EnvironmentConfig) -> str | None:
        """The commit on the base branch that last changed ``env``'s files: what it runs."""

        paths = self.app.repo_paths(env, self.app.root)
        sha = Repo(self.app.root).ok("log", "-1", "--format=%H", "HEAD", "--", *paths)
        return sha or None

    def _connect_forge(self) -> object | None:
        if self._forge is None:
            self._forge = _forge_of_checkout(self.app, self._environ)
        return self._forge()

    def read(self, env: EnvironmentConfig, since: datetime | None = None) -> tuple[Reading, ...]:
        """``env``'s gates now, each over [``since``, now] when given (empty: it has none)."""
        if not env.metrics_gates:
            return ()
        key = (env.name, since)
        if key not in self._read:
            now = self.app.clock()
            client = self._connect()
            if client is None:
                self._read[key] = tuple(metrics.unread(g, now, str(self._broken)) for g in env.metrics_gates)
            else:
                self._read[key] = tuple(client.reading(g, now, since) for g in env.metrics_gates)
        return self._read[key]

    def _connect(self) -> Any:
        if self._client is None and self._broken is None:
            try:
                self._client = Prometheus(self.app.config.metrics, self._environ, self.app.config.root)
            except GitOpsBotError as exc:
                self._broken = line(exc)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _forge_of_checkout(app: App, environ: Mapping[str, str]) -> Callable[[], object | None]:
    """The forge of the checkout's origin, connected once when first asked; None when its
    credentials are not here (a plan on a laptop), and the checks read unknown."""
    connected: list[object | None] = []

    def forge() -> object | None:
        if not connected:
            url = Repo(app.root).origin_url()
            try:
                connected.append(registry.connect(app.config, url, environ) if url else None)
            except GitOpsBotError:
                connected.append(None)
        return connected[0]

    return forge
