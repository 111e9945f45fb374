"""The registry clients of a run: one per registry host, shared by threads and repositories."""

from __future__ import annotations

import copy
import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from gitops_bot.core import files, privdir
from gitops_bot.core.model import normalise_host
from gitops_bot.registry import credentials
from gitops_bot.registry.auth import TokenCache
from gitops_bot.registry.client import RegistryClient, RetryPolicy, Stats
from gitops_bot.registry.memo import MemoClient
from gitops_bot.registry.settings import RegistryConfig, RegistrySettings

if TYPE_CHECKING:
    import httpx

    from gitops_bot.registry.charts import ChartIndexes

# The chart client, imported by name the first time a run reads a chart repository (as the
# clouds' logins and the push-time APIs are, from their tables): a plan without charts loads
# neither it nor its index parser.
CHART_CLIENT = "gitops_bot.registry.charts"

__all__ = ["RegistryPool"]


class RegistryPool:
    """One client per registry host (per distinct settings), made on first use and shared by
    all threads. :meth:`bind` gives another repository's config a view sharing the clients,
    their connection and concurrency limits, tokens and statistics (``gitops-bot update`` over
    many repositories); ``memo`` makes clients answer each question once per run."""

    def __init__(
        self,
        config: RegistrySettings | None = None,
        *,
        env: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        transport_factory: Callable[[RegistryConfig], httpx.BaseTransport | None] | None = None,
        memo: bool = False,
    ) -> None:
        self._config = config
        self._env = env
        self._chart_env = env  # the pool's own, not a bound view's
        self._retry = retry
        self._transport_factory = transport_factory
        self.stats = Stats()
        self.tokens = TokenCache()
        self._clients: dict[tuple[RegistryConfig, frozenset[str]], RegistryClient] = {}
        self._settings: dict[str, RegistryConfig] = {}  # per host, of this pool's config
        self._lock = threading.RLock()  # abort() runs in a signal handler, maybe while it is held
        self._memo = memo
        self._owner = True
        self._aborted = False
        # classic chart repositories' indexes, kept (with their validators) across cycles: made
        # on first use (a run without charts never imports the chart client), one list shared
        # with every bound view, as the clients are
        self._chart_indexes: list[ChartIndexes] = []
        privdir.abort_on_sigterm(self)

    def bind(self, config: RegistrySettings, *, env: Mapping[str, str] | None = None) -> RegistryPool:
        """This pool seen through another repository's registry settings (closing it is a no-op)
        and, given ``env``, that repository's view of the environment: its registry secrets are
        looked up there, and its clients are not shared with a repository that sees other ones."""
        view = copy.copy(self)
        view._config, view._owner, view._settings = config, False, {}
        if env is not None:
            view._env = env
        return view

    def abort(self) -> None:
        """SIGTERM: end every in-flight registry request now; later ones fail at once."""
        with self._lock:
            self._aborted = True
            clients = list(self._clients.values())
        for c in clients:
            c.abort()
        for indexes in self._chart_indexes:
            indexes.abort()

    def forget(self) -> None:
        """A new run on a long-lived pool (``watch``'s next cycle): memo clients ask again and
        each host's window of requests in flight starts again as a run's does; connections,
        limits and tokens stay."""
        with self._lock:
            clients = list(self._clients.values())
        for c in clients:
            if isinstance(c, MemoClient):
                c.forget()
            c.window.restart()
        for indexes in self._chart_indexes:
            indexes.forget()

    def _settings_of(self, host: str) -> RegistryConfig:
        """The settings ``host``'s images are read with, once per host (``client`` is asked once
        per image and operation): its own entry's, or, when it names a ``mirror``, the mirror's
        own entry with the path its copies sit under. This is where a registry's origin is
        chosen: the client, its credentials (``credentials.lookup`` of the mirror's entry and
        docker's config.json for the mirror's host) and its cloud login all follow the settings,
        so a credential configured for ``host`` never goes to its mirror."""
        cfg = self._settings.get(host)
        if cfg is None:
            cfg = self._own(host)
            if cfg.mirror:
                mirror, _, path = cfg.mirror.partition("/")
                cfg = replace(self._own(normalise_host(mirror)), path=path)
            self._settings[host] = cfg
        return cfg

    def _own(self, host: str) -> RegistryConfig:
        """The host's own entry, a relative ``ca_file`` checked and joined to the config's
        directory."""
        cfg = self._config.registry(host) if self._config else RegistryConfig(host=host)
        if self._config and cfg.ca_file and not cfg.ca_file.startswith("/"):
            cfg = replace(cfg, ca_file=str(files.from_config(self._config.root, cfg.ca_file)))
        return cfg

    @property
    def chart_indexes(self) -> ChartIndexes:
        """The classic chart repositories' indexes this pool (and every view of it) reads."""
        with self._lock:
            if not self._chart_indexes:
                indexes = importlib.import_module(CHART_CLIENT).ChartIndexes
                self._chart_indexes.append(indexes(env=self._chart_env, retry=self._retry))
                if self._aborted:
                    self._chart_indexes[0].abort()
            return self._chart_indexes[0]

    @property
    def environ(self) -> Mapping[str, str] | None:
        """Where this view's registry secrets are looked up (None: the process environment)."""
        return self._env

    def registry_config(self, host: str) -> RegistryConfig:
        """The host's settings in this pool's configuration (a chart repository's too)."""
        return self._settings_of(host)

    def client(self, host: str) -> RegistryClient:
        cfg = self._settings_of(host)
        hidden: frozenset[str] = getattr(self._env, "hidden", frozenset())  # fleet.py: a secrets view
        key = (cfg, hidden)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = (MemoClient if self._memo else RegistryClient)(
                    cfg,
                    credentials.lookup(cfg, self._env),
                    transport=self._transport_factory(cfg) if self._transport_factory else None,
                    retry=self._retry,
                    stats=self.stats,
                    token_cache=self.tokens,
                    env=self._env,
                )
                self._clients[key] = found
                if self._aborted:
                    found.abort()
            return found

    def close(self) -> None:
        if not self._owner:
            return
        with self._lock:
            for c in self._clients.values():
                c.close()
            self._clients.clear()
        for indexes in self._chart_indexes:
            indexes.close()

    def __enter__(self) -> RegistryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
