"""The registry fan-out: many lookups at once on the run's worker pool (as many threads as the
registries' requests in flight), a progress line counting them, an access or protocol error
kept per key (that image or chart is skipped) and anything else ending the run. The plan
(:mod:`gitops_bot.engine.plan`), its charts (:mod:`gitops_bot.engine.chart_plan`) and
``status`` read the registry through here, so they fail and report alike."""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar, cast

from gitops_bot.core import progress
from gitops_bot.core.errors import (
    GitOpsBotError,
    RegistryAccessError,
    RegistryNotAsked,
    RegistryProtocolError,
    RegistryUnavailable,
)
from gitops_bot.core.log import get_logger
from gitops_bot.engine.app import App

log = get_logger(__name__)
K = TypeVar("K")
V = TypeVar("V")
J = TypeVar("J")
W = TypeVar("W")
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
        with ThreadPoolExecutor(max_workers=min(app.declared.workers, len(keys))) as pool:
            futures = [_submit(pool, one, k) for k in keys]
            try:
                return dict(f.result() for f in futures)  # the first failure in the keys' order
            except RegistryUnavailable as e:
                for f in futures:  # none starts after it (a no-op for those done)
                    f.cancel()
                # those running finish (the pool waits for them anyway): the hosts they found not
                # reached are named on its line too
                ran = [f for f in futures if not f.cancelled()]
                wait(ran)
                _name_others(e, [x for f in ran if (x := f.exception()) is not None and x is not e])
                raise
            finally:
                for f in futures:
                    f.cancel()


def _submit(pool: ThreadPoolExecutor, fn: Callable[..., V], *args: Any) -> Future[V]:
    """``fn(*args)`` on the pool in a copy of the submitting thread's context: what the caller
    bound to its log lines (a fleet run's repository) stays on the lines its tasks write."""
    return pool.submit(contextvars.copy_context().run, fn, *args)


class _Abandoned(Exception):
    """A task not started because the run already failed (never leaves :func:`run_then`)."""


def run_then(
    app: App,
    keys: Iterable[K],
    first: Callable[[K], tuple[V, Collection[J]]],
    then: Callable[[J], W],
    *,
    what: str,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[dict[K, V], dict[J, W]]:
    """``first`` for every key, answering a value and the follow-up keys it leads to, and
    ``then`` for every follow-up, all on the plan's one pool; the progress line counts a key
    when its follow-ups are done. A follow-up is queued, not asked by the thread that found it:
    a thread is a request in flight, and a thread that asked its key's two requests in turn
    left slots empty at the end (with 200 keys on 32 threads, 8 threads ask 14 requests while
    the rest wait, where 400 requests fill 12.5 rounds). Keys are fed to the queue at most one
    round of threads ahead of the work started, so a follow-up waits behind that many keys,
    not all of them, and a registry failing at the second request is known a round later.
    Follow-up keys are distinct across keys. ``meanwhile``: the caller's own work that needs
    no answer, done on the calling thread once the first requests are out, so that it costs
    the run no time of its own while the registry answers (a run's reads of its checkout take
    about as long as a round trip or two). The first exception, in ``first``, ``then`` or
    ``meanwhile``, ends the run: no task starts after it, those running finish, and it is
    raised."""
    keys = list(keys)
    with progress.counter(what, len(keys)) as tick:
        if not keys or (len(keys) == 1 and meanwhile is None):  # no pool: in turn
            firsts: dict[K, V] = {}
            seconds: dict[J, W] = {}
            for k in keys:
                firsts[k], follow = first(k)
                seconds.update((j, then(j)) for j in follow)
                tick()
            if meanwhile is not None:
                meanwhile()
            return firsts, seconds
        workers = min(app.declared.workers, len(keys))
        lock = threading.Lock()
        left: dict[K, int] = {}
        started: dict[K, Future[V]] = {}
        queued: dict[J, Future[W]] = {}
        failed: list[BaseException] = []  # the first one is the run's
        unfed = iter(keys)
        fed = threading.Event()  # every key queued, or the run failed: no more will be

        def guarded(call: Callable[[], Any]) -> Any:
            if failed:
                raise _Abandoned
            try:
                return call()
            except BaseException as exc:
                failed.append(exc)
                fed.set()
                raise

        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:

                def feed() -> None:
                    """Queue the next key (in order; none once the run failed)."""
                    with lock:
                        for k in unfed:
                            if not failed:
                                started[k] = _submit(pool, one, k)
                                return
                        fed.set()

                def second(k: K, j: J) -> W:
                    try:
                        return cast(W, guarded(lambda: then(j)))
                    finally:
                        with lock:
                            left[k] -= 1
                            done = not left[k]
                        if done:
                            tick()

                def one(k: K) -> V:
                    feed()  # started: one more key queued, so the queue stays a round of threads ahead
                    value, follow = guarded(lambda: first(k))
                    if not follow:
                        tick()
                        return cast(V, value)
                    with lock:
                        left[k] = len(follow)
                    for j in follow:
                        queued[j] = _submit(pool, second, k, j)
                    return cast(V, value)

                try:
                    for _ in range(2 * workers):  # the threads' first keys and a round queued behind
                        feed()
                    if meanwhile is not None:
                        guarded(meanwhile)
                    fed.wait()
                    firsts = {k: f.result() for k, f in list(started.items())}
                    if failed:  # the feeding stopped on a follow-up's failure
                        raise failed[0]
                    return firsts, {j: f.result() for j, f in list(queued.items())}
                except Exception:
                    for f in list(started.values()):
                        f.cancel()
                    for g in list(queued.values()):
                        g.cancel()
                    if failed:  # not the _Abandoned a later task raised: the failure itself
                        raise failed[0] from None
                    raise
        except RegistryUnavailable as e:
            # the tasks running when it failed have finished: the registries they found not
            # reached are named on its line too, so an offline run names them all at once
            _name_others(e, failed)
            raise


def ask(what: str, key: K, fetch: Callable[[K], V], debug: bool) -> V | GitOpsBotError:
    """``fetch(key)``, an access/protocol error returned (that image is skipped), with a debug
    line of its time when ``debug``."""
    started = time.monotonic()
    try:
        return fetch(key)
    except _SkipErrors as exc:
        # a registry the run chose not to ask is said in the plan, and is no fault to warn of
        if not isinstance(exc, RegistryNotAsked):
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


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _unreached() -> re.Pattern[str]:
    return re.compile(r"^(?:registry|chart repository) (?P<host>\S+) (?:unreachable|unavailable)\b")


def _name_others(error: RegistryUnavailable, failed: Iterable[BaseException]) -> None:
    """Each other registry or chart repository the run's finished tasks found not reached,
    named on ``error``'s line in order: an offline run names every one it could not reach at
    once, not one a run."""
    said = _unreached().match(error.message)
    if said is None:
        return
    others = {
        found.group(0): None
        for f in failed
        if isinstance(f, RegistryUnavailable)
        and (found := _unreached().match(f.message)) is not None
        and found.group("host") != said.group("host")
    }
    if others:
        error.message += f" (also not reached: {', '.join(sorted(others))})"
