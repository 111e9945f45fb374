"""The registry fan-out: many lookups at once on the run's worker pool (as many threads as the
registries' requests in flight), a progress line counting them, an access or protocol error
kept per key (that image or chart is skipped) and anything else ending the run. The plan
(:mod:`gitops_bot.engine.plan`), its charts (:mod:`gitops_bot.engine.chart_plan`) and
``status`` read the registry through here, so they fail and report alike."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from gitops_bot.core import progress
from gitops_bot.core.errors import GitOpsBotError, RegistryAccessError, RegistryProtocolError
from gitops_bot.core.log import get_logger
from gitops_bot.engine.app import App

log = get_logger(__name__)
K = TypeVar("K")
V = TypeVar("V")
_SkipErrors = (RegistryAccessError, RegistryProtocolError)


def gather(
    app: App, keys: Iterable[K], fetch: Callable[[K], V], *, what: str = "reading the registry"
) -> dict[K, V | GitOpsBotError]:
    """Run ``fetch`` for every key concurrently. Access/protocol errors are returned per key
    (that image is skipped); anything else, such as RegistryUnavailable, ends the run."""
    debug = log.is_enabled_for(logging.DEBUG)  # once: a disabled log.debug still costs a bind
    return run(app, keys, lambda k: ask(what, k, fetch, debug), what=what)


def run(app: App, keys: Iterable[K], task: Callable[[K], V], *, what: str) -> dict[K, V]:
    """``task`` for every key on the plan's worker pool (as many threads as the registries'
    requests in flight), a progress line counting them; the first exception ends the run."""
    keys = list(keys)
    with progress.counter(what, len(keys)) as tick:

        def one(k: K) -> tuple[K, V]:
            try:
                return k, task(k)
            finally:
                tick()

        if len(keys) <= 1:
            return dict(one(k) for k in keys)
        with ThreadPoolExecutor(max_workers=min(app.workers, len(keys))) as pool:
            return dict(pool.map(one, keys))


def ask(what: str, key: K, fetch: Callable[[K], V], debug: bool) -> V | GitOpsBotError:
    """``fetch(key)``, an access/protocol error returned (that image is skipped), with a debug
    line of its time when ``debug``."""
    started = time.monotonic()
    try:
        return fetch(key)
    except _SkipErrors as exc:
        log.warning("image_skipped", reason=str(exc))
        return exc
    finally:
        if debug:
            log.debug(
                what.replace(" ", "_"), key=_describe(key), seconds=round(time.monotonic() - started, 3)
            )


def _describe(key: object) -> str:
    """A registry request's key for a debug line: repository[, tag or digest][, platform]."""
    parts = key if isinstance(key, tuple) else (key,)
    return " ".join(str(getattr(p, "repository", p)) for p in parts if p is not None)
