"""``gitops-bot watch``: the update cycle forever, for a long-running container.

* One cycle is one ``update`` run (a fresh fetch, plan, releases). Cycles start every
  ``interval`` with jitter, so a fleet of bots does not hit the registry in step.
* An outage (registry, git remote or GitHub unavailable) backs off exponentially up to
  ``MAX_BACKOFF_FACTOR`` intervals instead of hot-looping; any other failure (a config mistake
  someone is about to fix) waits one interval. A usage error exits 2 only before the first
  successful cycle (the set-up is wrong); after it (a broken gitops-bot.yaml pushed), the
  cycle counts as failed, /readyz answers 503 until a cycle succeeds, and the loop goes on.
* SIGTERM/SIGINT: the current release is finished (push and pull request together), the rest
  of the cycle is abandoned, and the process exits 0; never a half-pushed branch.
* One structured log line per cycle and per change, and an HTTP endpoint: ``/healthz`` (the
  loop is alive), ``/readyz`` (the last cycle succeeded recently) and ``/metrics``
  (Prometheus text format).
* ``POST /webhook/<source>``: registry push notifications (:mod:`gitops_bot.events`) run a
  targeted cycle between the full ones, debounced, never alongside another cycle.
"""

from __future__ import annotations

import random
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gitops_bot.errors import GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.events.payloads import Push
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import DEFAULT_DEBOUNCE
from gitops_bot.events.trigger import Trigger
from gitops_bot.log import get_logger
from gitops_bot.model import OutcomeAction

log = get_logger("gitops_bot.watch")
MAX_BACKOFF_FACTOR = 8  # an outage waits at most this many intervals between cycles
MAX_DURATION = 7 * 86400  # Event.wait overflows far beyond; a week between cycles is plenty


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


def is_ready(last_success: float | None, now: float, interval: float) -> bool:
    """PURE: ready while the last success is younger than two intervals (plus a grace for a
    slow cycle), so one failed cycle does not flap readiness but an outage does."""
    return last_success is not None and now - last_success <= 2 * interval + 60


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.cycles = Counter("gitops_bot_cycles", "Update cycles run, by result", ["result"], registry=r)
        self.changes = Counter(
            "gitops_bot_image_changes", "Image changes proposed or committed", ["environment"], registry=r
        )
        self.pull_requests = Counter(
            "gitops_bot_pull_requests", "Pull requests by what happened to them", ["action"], registry=r
        )
        self.registry_requests = Counter(
            "gitops_bot_registry_requests",
            "Registry requests by HTTP status or error",
            ["status"],
            registry=r,
        )
        self.duration = Histogram(
            "gitops_bot_cycle_duration_seconds",
            "Duration of update cycles",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
            registry=r,
        )
        self.last_success = Gauge(
            "gitops_bot_last_success_timestamp_seconds", "Unix time of the last successful cycle", registry=r
        )
        for result in ("success", "failure"):
            self.cycles.labels(result)
        self.webhooks = Counter(
            "gitops_bot_webhook_events",
            "Webhook requests by source and outcome",
            ["source", "outcome"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class Watcher:
    def __init__(
        self,
        make_updater: Callable[[], Any],
        *,
        interval: float,
        jitter: float = 0.1,
        envs: Sequence[str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.make_updater = make_updater
        self.interval = interval
        self.jitter = jitter
        self.envs = envs
        self.rng = rng or random.Random()
        self.metrics = Metrics()
        self.stop = threading.Event()
        self.last_success: float | None = None  # wall clock
        self.usage_error: str | None = None  # the last cycle's usage error, after a success
        self.cycles = 0
        self._updater: Any = None
        self.trigger = Trigger(DEFAULT_DEBOUNCE)
        self.receiver = Receiver(self.trigger, lambda s, o: self.metrics.webhooks.labels(s, o).inc())

    # -- the loop ------------------------------------------------------------------------

    def run(self, max_cycles: int | None = None) -> int:
        outages = 0
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
        log.info("stopped", cycles=self.cycles)
        return 0

    def _wait(self, delay: float) -> None:
        """Until the next full cycle; webhook pushes run targeted cycles meanwhile, one at a
        time on this thread, so no two cycles ever overlap."""
        deadline = time.monotonic() + delay
        while (pushes := self.trigger.wait(deadline, self.stop)) is not None:
            self.cycle(pushes)

    def cycle(self, pushes: Sequence[Push] | None = None) -> tuple[bool, bool]:
        """One update run (``pushes``: targeted at them); returns (succeeded, failed because
        something was unavailable)."""
        self.cycles += 1
        started = time.monotonic()
        updater = self._updater = self.make_updater()
        try:
            targeted = {"pushes": pushes} if pushes is not None else {}
            outcomes = updater.run(self.envs, should_stop=self.stop.is_set, **targeted)
        except ServiceUnavailable as exc:
            return self._failed(started, updater, str(exc), unavailable=True)
        except UsageError as exc:
            result = self._failed(started, updater, str(exc), unavailable=False)
            if self.last_success is None:  # the set-up is wrong (no such repository): exit 2 at once
                raise
            # a broken commit in the GitOps repository (gitops-bot.yaml): not ready until it is
            # fixed, but keep serving and retry at the interval instead of crash-looping
            self.usage_error = str(exc)
            return result
        except GitOpsBotError as exc:
            return self._failed(started, updater, str(exc), unavailable=False)
        except Exception as exc:  # a bug: keep serving, report it, try again next interval
            log.exception("cycle_crashed", error=f"{type(exc).__name__}: {exc}")
            return self._failed(started, updater, f"{type(exc).__name__}: {exc}", unavailable=False)
        finally:
            self._configure_webhooks(updater)
        seconds = time.monotonic() - started
        m = self.metrics
        for o in outcomes:
            if o.action.changed:
                m.changes.labels(o.environment).inc(len(o.changes))
            if o.url or o.action is OutcomeAction.PULL_REQUEST:
                m.pull_requests.labels(str(o.action)).inc()
            log.info(
                "unchanged" if o.action is OutcomeAction.UNCHANGED else "change",
                environment=o.environment,
                action=str(o.action),
                images=[c.summary for c in o.changes],
                pull_request=o.url,
                commit=o.commit,
            )
        self._count_requests(updater)
        m.cycles.labels("success").inc()
        m.duration.observe(seconds)
        self.last_success = time.time()
        self.usage_error = None
        m.last_success.set(self.last_success)
        changed = sum(1 for o in outcomes if o.action.changed)
        log.info(
            "cycle", result="success", seconds=round(seconds, 3), releases=len(outcomes), changed=changed
        )
        return True, False

    def _failed(self, started: float, updater: Any, error: str, *, unavailable: bool) -> tuple[bool, bool]:
        seconds = time.monotonic() - started
        self._count_requests(updater)
        self.metrics.cycles.labels("failure").inc()
        self.metrics.duration.observe(seconds)
        log.error("cycle", result="failure", seconds=round(seconds, 3), error=error, unavailable=unavailable)
        return False, unavailable

    def _configure_webhooks(self, updater: Any) -> None:
        cfg = getattr(updater, "config", None)
        if cfg is not None:
            self.receiver.configure(cfg.webhooks, [img.repository for img in cfg.images])

    def _count_requests(self, updater: Any) -> None:
        for status, n in getattr(updater, "registry_requests", {}).items():
            self.metrics.registry_requests.labels(str(status)).inc(n)

    def install_signal_handlers(self) -> None:
        def handle(signum: int, _frame: object) -> None:
            log.info("signal", signal=signal.Signals(signum).name, action="finishing the current release")
            self.stop.set()
            # a registry that hangs must not hold the exit past Kubernetes' 30 s grace
            getattr(self._updater, "abort", lambda: None)()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    # -- the HTTP endpoint ---------------------------------------------------------------

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        watcher = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # seconds a client may take to send its request (a webhook body)

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                status, text = watcher.receiver.handle(self.path, dict(self.headers.items()), self.rfile)
                self._send(status, text.encode() + b"\n")

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    self._send(200, b"ok\n")
                elif path == "/readyz":
                    ready = is_ready(watcher.last_success, time.time(), watcher.interval)
                    if watcher.usage_error is not None:
                        self._send(503, b"the last cycle failed on a usage or config error\n")
                    else:
                        self._send(
                            200 if ready else 503, b"ready\n" if ready else b"no recent successful cycle\n"
                        )
                elif path == "/metrics":
                    self._send(200, watcher.metrics.render(), CONTENT_TYPE_LATEST)
                else:
                    self._send(404, b"not found\n")

            def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        try:
            server = ThreadingHTTPServer((host, port), Handler)
        except (OSError, OverflowError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(
                f"cannot listen on {host}:{port}: {reason}", hint="pick a free HOST:PORT"
            ) from None
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="gitops-bot-http", daemon=True).start()
        log.info("listening", address=f"{host}:{server.server_address[1]}")
        return server


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"invalid --listen {text!r}", hint="use HOST:PORT, e.g. 0.0.0.0:8080 or :8080")
    return host or "0.0.0.0", int(port)
