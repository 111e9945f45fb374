"""The watch loop: full cycles at the interval, targeted ones for webhook pushes in between,
over one repository or many (see the package's docstring)."""

from __future__ import annotations

import contextvars
import random
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from http.server import ThreadingHTTPServer
from typing import Any

from gitops_bot.commands import fleet as fleet_mod
from gitops_bot.commands import update
from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.events.payloads import Push
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import DEFAULT_DEBOUNCE
from gitops_bot.events.trigger import Trigger
from gitops_bot.net.transport import KeptConnections, keeping
from gitops_bot.output.words import counted
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.watch.http import Metrics, serve
from gitops_bot.watch.page import StatusPage
from gitops_bot.watch.targets import Run, WatchTarget, compute, run_one, wants_observing

log = get_logger("gitops_bot.watch")
MAX_BACKOFF_FACTOR = 8  # an outage waits at most this many intervals between cycles
MAX_DURATION = 7 * 86400  # Event.wait overflows far beyond; a week between cycles is plenty
SIGNAL_SLICE = 0.5  # the longest a signal handed to another thread waits for its handler


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``1h30m`` -> seconds."""
    m = re.fullmatch(r"\s*(?:(\d{1,9})h)?\s*(?:(\d{1,9})m)?\s*(?:(\d{1,9}(?:\.\d{1,9})?)s?)?\s*", text)
    if not m or not any(m.groups()):
        raise UsageError(f"invalid duration {text!r}", hint="use e.g. 30s, 5m or 1h")
    h, mins, secs = m.groups()
    seconds = int(h or 0) * 3600 + int(mins or 0) * 60 + float(secs or 0)
    if seconds <= 0:
        raise UsageError(f"duration {text!r} must be more than zero")
    if seconds > MAX_DURATION:
        raise UsageError(f"duration {text!r} is over the longest allowed, 7 days")
    return seconds


def next_delay(interval: float, outages: int, jitter: float, rng: random.Random) -> float:
    """PURE: seconds until the next cycle after ``outages`` consecutive unavailable cycles."""
    base = interval * min(2**outages, MAX_BACKOFF_FACTOR) if outages else interval
    return max(0.0, base * (1 + rng.uniform(-jitter, jitter)))


class Watcher:
    """``make_updater``: one repository's updater factory, or a factory per repository URL
    (:meth:`over` a fleet), worked ``parallel`` at once through the shared ``pool``."""

    def __init__(
        self,
        make_updater: Callable[[], Any] | Mapping[str, Callable[[], Any]],
        *,
        interval: float,
        jitter: float = 0.1,
        envs: Sequence[str] | None = None,
        rng: random.Random | None = None,
        parallel: int = 1,
        pool: RegistryPool | None = None,
        page: StatusPage | None = None,
    ) -> None:
        if isinstance(make_updater, Mapping):
            self.targets = [WatchTarget(url, make) for url, make in make_updater.items()]
        else:
            self.targets = [WatchTarget(None, make_updater)]
        self.many = isinstance(make_updater, Mapping)
        self.interval = interval
        self.jitter = jitter
        self.envs = envs
        self.rng = rng or random.Random()
        self.parallel = parallel
        self.pool = pool  # many: one pool for every repository and cycle (forgets answers per cycle)
        # the forges' connections, kept from cycle to cycle (each run connects its forge anew)
        self.connections = KeptConnections()
        self._counted: Counter[str] = Counter()  # the pool's requests already in the metrics
        self.metrics = Metrics(many=self.many)
        self._server: ThreadingHTTPServer | None = None
        self.stop = threading.Event()
        self.last_success: float | None = None  # wall clock of the last cycle that fully succeeded
        self.cycles = 0
        self.page = page  # None: no status page, and no status computed
        if page is not None:
            page.order = [None if t.name is None else redact(t.name) for t in self.targets]
        self.trigger = Trigger(DEFAULT_DEBOUNCE)
        self.receiver = Receiver(self.trigger, lambda s, o: self.metrics.webhooks.labels(s, o).inc())

    @classmethod
    def over(
        cls,
        fleet: fleet_mod.Fleet,
        *,
        parallel: int | None = None,
        environ: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Watcher:
        """Every repository of ``fleet``, through one registry pool for the process's life."""
        if not fleet.repositories:
            raise UsageError("no repositories to watch (none listed, or none in this shard)")
        pool = RegistryPool(env=environ, memo=True)

        def factory(repo: fleet_mod.Repository) -> Callable[[], Any]:
            return lambda: update.updater(repo, pool, environ=environ)

        factories = {r.url: factory(r) for r in fleet.repositories}
        workers = fleet.parallel if parallel is None else parallel
        return cls(factories, parallel=workers, pool=pool, **kwargs)

    # -- the loop ------------------------------------------------------------------------

    def run(self, max_cycles: int | None = None) -> int:
        """The cycles until SIGTERM (or ``max_cycles``). They run on a thread of their own
        while this thread, the main one, only waits in short slices: the kernel hands a
        signal to any thread of the process, and Python runs its handler on the main thread
        alone, once that thread runs Python again. A main thread blocked in a registry read,
        or on another thread's answer, ran it only when that ended (60 s behind a hanging
        registry, about one run in eight)."""
        failed: list[BaseException] = []

        def cycles() -> None:
            try:
                self._cycles(max_cycles)
            except BaseException as exc:  # raised here, on the caller's thread
                failed.append(exc)

        worker = threading.Thread(
            target=contextvars.copy_context().run, args=(cycles,), name="gitops-bot-cycles"
        )
        worker.start()
        while worker.is_alive():
            worker.join(SIGNAL_SLICE)
        if failed:
            raise failed[0]
        return 0

    def _cycles(self, max_cycles: int | None) -> None:
        outages = 0
        try:
            while not self.stop.is_set():
                self.trigger.clear()  # a full cycle covers every push so far
                ok, unavailable = self.cycle()
                outages = outages + 1 if unavailable else 0
                if max_cycles is not None and self.cycles >= max_cycles:
                    break
                delay = next_delay(self.interval, outages, self.jitter, self.rng)
                if not ok:
                    log.info("next_cycle", seconds=round(delay, 1), outages=outages)
                self._wait(delay)
        finally:
            self.close()
        log.info("stopped", cycles=self.cycles)

    def close(self) -> None:
        """The registry pool and the kept connections, at the end of the watch."""
        if self.pool is not None:
            self.pool.close()
        self.connections.close()

    def _wait(self, delay: float) -> None:
        """Until the next full cycle; webhook pushes run targeted cycles meanwhile, one at a
        time on this thread, so no two cycles ever overlap."""
        deadline = time.monotonic() + delay
        while (burst := self.trigger.wait_routed(deadline, self.stop)) is not None:
            self.cycle(burst)

    def cycle(self, pushes: Mapping[str | None, Sequence[Push]] | None = None) -> tuple[bool, bool]:
        """One update run of every repository (``pushes``: targeted at those repositories and
        pushes); returns (succeeded, failed because something was unavailable)."""
        self.cycles += 1
        started = time.monotonic()
        if self.pool is not None:
            self.pool.forget()  # a new cycle asks the registries again
        targets = [t for t in self.targets if pushes is None or t.name in pushes]

        def work(target: WatchTarget) -> Run | None:
            if self.stop.is_set():
                return None  # SIGTERM: start no other repository
            mine = None if pushes is None else pushes[target.name]
            with ExitStack() as scope:  # the run and its page's status: one client per gate server
                run = run_one(
                    target,
                    envs=self.envs,
                    pushes=mine,
                    stop=self.stop,
                    metrics=self.metrics,
                    receiver=self.receiver,
                    scope=scope,
                )
                page = self.page is not None
                # the delivery figures walk a month of history: computed for a reader only (the
                # page shows them; /metrics once something has read it), never by default
                figures = page or self.metrics.delivery.wanted()
                observe = page or wants_observing(target)
                if not self.stop.is_set() and (observe or figures):
                    snapshot = compute(target, self.envs, run, page=page, observe=observe, delivery=figures)
                    if figures:
                        self.metrics.delivery.publish(target.name, snapshot.delivery)
                    if self.page is not None:
                        self.page.publish(snapshot)
            return run

        with keeping(self.connections):
            if self.many:
                found = fleet_mod.each(targets, work, self.parallel, lambda t: t.name or "")
            else:
                found = [work(t) for t in targets]
        ran = [(t, r) for t, r in zip(targets, found, strict=True) if r is not None]
        self._count_requests([t for t, _ in ran])
        return self._judge(ran, time.monotonic() - started)

    def _judge(self, ran: list[tuple[WatchTarget, Run]], seconds: float) -> tuple[bool, bool]:
        """The cycle's metrics and line; a set-up error in every repository that never worked
        ends the process (exit 2), as a wrong repository always did."""
        runs = [r for _, r in ran]
        if not runs:
            return True, False  # SIGTERM before any repository started: not a cycle
        ok = all(r.ok for r in runs)
        unavailable = all(r.unavailable for r in runs)
        m = self.metrics
        m.cycles.labels("success" if ok else "failure").inc()
        m.duration.observe(seconds)
        if ok:
            self.last_success = time.time()
            m.last_success.set(self.last_success)
        if not self.many:
            for r in runs:
                r.log("cycle")
        else:
            failed = [t.name for t, r in ran if not r.ok]
            (log.info if ok else log.error)(
                "cycle",
                result="success" if ok else "failure",
                seconds=round(seconds, 3),
                repositories=len(runs),
                failed=failed,
                releases=sum(r.releases for r in runs),
                changed=sum(r.changed for r in runs),
            )
        usage = [r.usage for r in runs if r.usage is not None]
        if len(usage) == len(runs) and all(t.last_success is None for t in self.targets):
            if len(usage) == 1:
                raise usage[0]
            raise UsageError(
                f"none of the {len(usage)} repositories could be worked; see the log lines above"
            )
        return ok, unavailable

    def _count_requests(self, ran: list[WatchTarget]) -> None:
        if self.pool is not None:  # many: the shared pool's requests since the last cycle
            with self.pool.stats.lock:
                now = Counter({str(k): v for k, v in self.pool.stats.by_status.items()})
            new, self._counted = now - self._counted, now
        else:  # one: each run has a new updater, counting its own requests
            new = Counter()
            for t in ran:
                new.update(getattr(t.updater, "registry_requests", {}))
        for status, n in new.items():
            self.metrics.registry_requests.labels(str(status)).inc(n)

    def readiness(self) -> tuple[bool, str]:
        """/readyz. One repository: its last cycle succeeded recently and did not fail on a
        usage or config error. Many: at least one repository is ready (the process is doing
        its work and its webhooks should reach it); the others are named."""
        now = time.time()
        if not self.many:
            (t,) = self.targets
            if t.usage_error is not None:
                return False, "the last cycle failed on a usage or config error"
            return (True, "ready") if t.ready(now, self.interval) else (False, "no recent successful cycle")
        waiting = [redact(t.name or "") for t in self.targets if not t.ready(now, self.interval)]
        ready = len(waiting) < len(self.targets)
        of = counted(len(self.targets), "repository", "repositories")
        text = f"ready: {len(self.targets) - len(waiting)} of {of}"
        if not ready:
            text = "no repository had a recent successful cycle"
        return ready, text + "".join(f"\nnot ready: {w}" for w in waiting)

    def install_signal_handlers(self) -> None:
        def handle(signum: int, _frame: object) -> None:
            log.info("signal", signal=signal.Signals(signum).name, action="finishing the current release")
            self.stop.set()
            # a registry that hangs must not hold the exit past Kubernetes' 30 s grace
            if self.pool is not None:
                self.pool.abort()
            for t in self.targets:
                t.abort()
            # stop accepting at once; the requests in flight finish when the caller closes it
            if self._server is not None:
                threading.Thread(target=self._server.shutdown, name="gitops-bot-http-stop").start()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        self._server = serve(
            host,
            port,
            receiver=self.receiver,
            readiness=self.readiness,
            metrics=self.metrics,
            page=self.page,
        )
        return self._server
