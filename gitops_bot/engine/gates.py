"""The one way into a run's gates: :class:`RunGates` owns their clients (Argo CD, the metrics
server, the forge's checks, the web endpoints), each built when first asked and once a run,
and answers every question the use cases ask of a gate:

- a :class:`~gitops_bot.gate.reading.Reading` of every kind, the one shape the decision judges
  (:meth:`RunGates.argocd` for Argo CD's verdict on what git declares, :meth:`RunGates.metrics`
  and :meth:`RunGates.promotion` for the gates a promotion's source must pass);
- the same Argo CD verdict as ``status`` shows it (:meth:`RunGates.status`, a view of it);
- the live state soak and automatic rollback judge (:meth:`RunGates.live`), read once a run so
  decisions at other instants (``explain``) judge the same reading.

A gate that cannot be asked (a token missing, the server down) is an unknown reading saying
why, never a failure of the run, but where a rule cannot decide without it (:meth:`live`).

The clients themselves are the command run's (:class:`GateClients`): a run of several sessions
(``update`` and its dashboard's, a watch cycle's update and its page's) asks each server through
one client, and each Argo CD Application once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.checks import CommitChecks, checks_of
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine import branches
from gitops_bot.engine.app import App
from gitops_bot.engine.results import GateStatus, Unknown
from gitops_bot.forges import registry
from gitops_bot.gate.port import (
    Applications,
    ArgoCDModule,
    ChecksModule,
    Gate,
    Live,
    MetricsModule,
    MetricsServer,
    Verdict,
    Wanted,
    WebModule,
)
from gitops_bot.gate.reading import Reading, line
from gitops_bot.gate.settings import ArgoCDConfig, MetricsConfig
from gitops_bot.git.gitcli import Repo
from gitops_bot.release import promotion
from gitops_bot.release.planning import Target

Port = TypeVar("Port", covariant=True)


class GateModule(Generic[Port]):
    """A kind of gate's module, imported by name the first time a run asks a gate of that kind
    (the pattern of the command line's table): a plan of environments without gates loads none
    of them, nor the HTTP service they ask through. Typed by its port (``GateModule[ArgoCDModule]``)
    so mypy checks each call through the run as it would a plain import's."""

    def __init__(self, module: str) -> None:
        self.module = module

    def load(self) -> Port:
        # the one unchecked step: a module by name is held to its port statically below
        # (TYPE_CHECKING) and at run time by tests/unit/engine/test_run_gates.py
        return cast(Port, importlib.import_module(self.module))


ARGOCD_MODULE = GateModule[ArgoCDModule]("gitops_bot.gate.argocd")
METRICS_MODULE = GateModule[MetricsModule]("gitops_bot.gate.metrics")
CHECKS_MODULE = GateModule[ChecksModule]("gitops_bot.gate.checks")
WEB_MODULE = GateModule[WebModule]("gitops_bot.gate.web")

if TYPE_CHECKING:
    from gitops_bot.gate import argocd, checks, metrics, web

    # each module as its port: a signature that drifts from it fails mypy here
    _PORTS: tuple[ArgoCDModule, MetricsModule, ChecksModule, WebModule] = (argocd, metrics, checks, web)

Forge = Callable[[], object | None]  # the repository's forge, connected when first asked (None: not here)


class GateClients:
    """A command run's gate clients, one per server and settings, each built when first asked
    and tried once (what stopped it is kept, and said to every later question), and the
    readings made through them. A run's sessions share them
    (:meth:`gitops_bot.engine.session.Sessions.one_run`): the dashboard's status, read in a
    session of its own after ``update``'s, judges the readings the run judged (Argo CD's
    Applications, each metrics window, the checks on a commit, each web endpoint's answer),
    never second ones that may disagree, and costs the servers no second connection or request.
    A web gate's endpoint is asked once a run, so its one-request client is not kept; the
    checks gate asks the session's forge."""

    def __init__(self) -> None:
        self._argocd: dict[ArgoCDConfig, Gate | GitOpsBotError] = {}
        self._prometheus: dict[MetricsConfig, MetricsServer | GitOpsBotError] = {}
        # the metrics, checks and web readings made this run, by gate and what it was asked of
        # (a metrics gate's window start, the commit a checks gate reads): a later session of
        # the run judges these, as Argo CD's client keeps each Application it read
        self.readings: dict[tuple[object, ...], Reading] = {}

    def argocd(self, cfg: ArgoCDConfig, environ: Mapping[str, str]) -> Gate | GitOpsBotError:
        """The client of the Argo CD server ``cfg`` names, or why it cannot be made."""
        if cfg not in self._argocd:
            try:
                self._argocd[cfg] = ARGOCD_MODULE.load().ArgoCD(cfg, environ)
            except GitOpsBotError as exc:
                self._argocd[cfg] = exc
        return self._argocd[cfg]

    def prometheus(
        self, cfg: MetricsConfig, environ: Mapping[str, str], root: object
    ) -> MetricsServer | GitOpsBotError:
        """The client of the metrics server ``cfg`` names (its TLS files read under ``root``,
        the repository's checkout, when it is made), or why it cannot be made."""
        if cfg not in self._prometheus:
            try:
                self._prometheus[cfg] = METRICS_MODULE.load().Prometheus(cfg, environ, root)
            except GitOpsBotError as exc:
                self._prometheus[cfg] = exc
        return self._prometheus[cfg]

    def close(self) -> None:
        for client in (*self._argocd.values(), *self._prometheus.values()):
            if not isinstance(client, GitOpsBotError):
                client.close()
        self._argocd.clear()
        self._prometheus.clear()
        self.readings.clear()


class RunGates:
    """A run's gates. ``forge``: the repository's forge for a checks gate, connected when first
    asked (None: not connectable, and the checks read unknown); default: from the checkout's
    origin. ``clients``: the command run's (None: these gates' own, closed with them)."""

    def __init__(
        self,
        app: App,
        environ: Mapping[str, str],
        forge: Forge | None = None,
        clients: GateClients | None = None,
    ) -> None:
        self.app = app
        self._environ = environ
        self._forge = forge
        self._owned = clients is None
        self._clients = GateClients() if clients is None else clients
        self._argocd: Gate | None = None
        self._argocd_failed: GitOpsBotError | None = None
        self._prometheus: MetricsServer | None = None
        self._failed = ""  # why the metrics server cannot be asked ("": it can, or not asked yet)
        # Argo CD's verdict on an environment's applications for what git declares there, and
        # its reading: read once a run, so every decision (explain's at other instants too)
        # judges the same one
        self._verdicts: dict[tuple[str, tuple[Wanted, ...]], tuple[Verdict | Unknown, Reading]] = {}
        self._live: dict[str, Live] = {}
        self._metrics: dict[tuple[str, datetime | None], tuple[Reading, ...]] = {}
        self._promotion: dict[tuple[str, datetime | None], tuple[Reading, ...]] = {}

    # Argo CD

    def argocd_failure(self) -> Unknown | None:
        """Why Argo CD cannot be asked this run (None: it can)."""
        self._client()
        return Unknown.of(self._argocd_failed) if self._argocd_failed is not None else None

    def require_argocd(self) -> None:
        """Raise why Argo CD cannot be asked: the automatic rules need it, whatever there is
        to decide."""
        self._client()
        if self._argocd_failed is not None:
            raise self._argocd_failed

    def argocd(self, env: EnvironmentConfig) -> Reading:
        """Argo CD's verdict on ``env``'s applications for what git declares there (the
        promotion gate's rule), as the decision reads every gate; read once a run for what is
        declared."""
        apps = env.applications
        assert apps is not None, f"{env.name} names no Argo CD application"
        key = (str(apps), self._wanted(env))
        if key not in self._verdicts:
            now, client = self.app.clock(), self._client()
            try:
                if client is None:
                    assert self._argocd_failed is not None
                    raise self._argocd_failed
                verdict = client.verdict(apps, key[1])
                self._verdicts[key] = (verdict, ARGOCD_MODULE.load().reading(apps, verdict, now))
            except GitOpsBotError as exc:
                unknown = Unknown.of(exc)
                self._verdicts[key] = (unknown, ARGOCD_MODULE.load().unread(apps, unknown.reason, now))
        return self._verdicts[key][1]

    def status(self, env: EnvironmentConfig) -> GateStatus | Unknown:
        """The same verdict as ``status`` shows it: a view of the one the decision judges."""
        self.argocd(env)
        found = self._verdicts[(str(env.applications), self._wanted(env))][0]
        return found if isinstance(found, Unknown) else GateStatus.of(str(env.applications), found)

    def _wanted(self, env: EnvironmentConfig) -> tuple[Wanted, ...]:
        """The images git declares in ``env``, where its cluster pulls them from."""
        return tuple(
            Wanted(t.image.name, location(self.app, t), t.deployed.tag, t.deployed.digest)
            for t in self.app.targets(env)
            if t.deployed is not None
        )

    def live(self, applications: Applications) -> Live:
        """The applications' state with its instants, as soak and automatic rollback judge it,
        read once a run. Raises what Argo CD could not answer: a rule does not decide blind."""
        client = self._client()
        if client is None:
            assert self._argocd_failed is not None
            raise self._argocd_failed
        key = str(applications)
        if key not in self._live:
            self._live[key] = client.live(applications)
        return self._live[key]

    def _client(self) -> Gate | None:
        if self._argocd is None and self._argocd_failed is None:
            found = self._clients.argocd(self.app.config.argocd, self._environ)
            if isinstance(found, GitOpsBotError):
                self._argocd_failed = found
            else:
                self._argocd = found
        return self._argocd

    # metrics, the forge's checks, web

    def metrics(self, env: EnvironmentConfig, since: datetime | None = None) -> tuple[Reading, ...]:
        """``env``'s metrics gates now, each over [``since``, now] when given (empty: it has none)."""
        if not env.metrics_gates:
            return ()
        key = (env.name, since)
        if key not in self._metrics:
            now, server, made = self.app.clock(), self._server(), self._clients.readings
            read: list[Reading] = []
            for g in env.metrics_gates:  # a loop, not a generator: the reading comes straight back
                found = made.get(asked := (g, since))
                if found is None:
                    found = made[asked] = (
                        server.reading(g, now, since)
                        if server
                        else METRICS_MODULE.load().unread(g, now, self._failed)
                    )
                read.append(found)
            self._metrics[key] = tuple(read)
        return self._metrics[key]

    def promotion(self, env: EnvironmentConfig, since: datetime | None = None) -> tuple[Reading, ...]:
        """What must hold in ``env`` before what it runs is promoted further: its metrics
        gates (over [``since``, now] when given), the forge's checks on the commit that
        released it, its web gates; each read once a run."""
        key = (env.name, since)
        if key not in self._promotion:
            now, made = self.app.clock(), self._clients.readings
            out = list(self.metrics(env, since))
            if env.checks_gate is not None:
                commit = self._release_commit(env)
                found = made.get(asked := (env.checks_gate, env.name, commit))
                if found is None:
                    found = made[asked] = CHECKS_MODULE.load().read(
                        env.checks_gate, env.name, commit, self._checks_port, now
                    )
                out.append(found)
            for g in env.web_gates:
                found = made.get(web := (g,))
                if found is None:
                    found = made[web] = WEB_MODULE.load().read(g, self._environ, now)
                out.append(found)
            self._promotion[key] = tuple(out)
        return self._promotion[key]

    def _server(self) -> MetricsServer | None:
        """The metrics server's client (None: it cannot be asked, a credential missing: why)."""
        if self._prometheus is None and not self._failed:
            found = self._clients.prometheus(self.app.config.metrics, self._environ, self.app.config.root)
            if isinstance(found, GitOpsBotError):
                self._failed = line(found) or "the metrics server cannot be asked"
            else:
                self._prometheus = found
        return self._prometheus

    def _checks_port(self) -> CommitChecks | None:
        if self._forge is None:
            self._forge = _forge_of_checkout(self.app, self._environ)
        return checks_of(self._forge())

    def _release_commit(self, env: EnvironmentConfig) -> str | None:
        """The commit on the base branch that last changed ``env``'s files: what it runs."""
        paths = self.app.repo_paths(env, self.app.root)
        head = branches.head(self.app, env)  # an environment's own branch: its commit there
        sha = Repo(self.app.root).ok("log", "-1", "--format=%H", head, "--", *paths)
        return sha or None

    def close(self) -> None:
        if self._owned:  # the run's clients are closed when the run ends
            self._clients.close()


def location(app: App, t: Target) -> str:
    """Where ``t``'s environment pulls its image from (what Argo CD reports running)."""
    img = app.config.image(t.image.name)
    if img is None or t.deployed is None:
        return str(t.image.repository.location)
    return promotion.location(img, t.deployed).location


def _forge_of_checkout(app: App, environ: Mapping[str, str]) -> Forge:
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
