"""One GitOps repository's run in a watch cycle: its updater, its failure sorted (unavailable,
usage, other, a bug), its changes counted and logged, and how recently it last worked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import field
from typing import Any

from gitops_bot.commands import dashboard, init
from gitops_bot.core import instants
from gitops_bot.core.errors import ConfigMissing, GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.model import OutcomeAction
from gitops_bot.core.record import record
from gitops_bot.engine.report import Known, Reports, report
from gitops_bot.engine.results import Status
from gitops_bot.engine.session import Session
from gitops_bot.events.payloads import Push
from gitops_bot.events.receiver import Receiver
from gitops_bot.watch.delivery import PERIOD
from gitops_bot.watch.http import Metrics
from gitops_bot.watch.page import Snapshot

log = get_logger("gitops_bot.watch")


def is_ready(last_success: float | None, now: float, interval: float) -> bool:
    """PURE: ready while the last success is younger than two intervals (plus a grace for a
    slow cycle), so one failed cycle does not flap readiness but an outage does."""
    return last_success is not None and now - last_success <= 2 * interval + 60


@record(frozen=False, slots=False)
class WatchTarget:
    """A repository the watcher serves. ``name`` is its URL; None: the only one (its log lines
    and metrics look as they did before watch served many)."""

    name: str | None
    make_updater: Callable[[], Any]
    last_success: float | None = None  # wall clock
    usage_error: str | None = None  # the last run's usage error, after a success
    updater: Any = None
    # what the delivery figures read of each release's builds (registry labels, the forge's
    # source commits), so a cycle asks only about the releases new since the last one
    known: Known = field(default_factory=dict)

    def ready(self, now: float, interval: float) -> bool:
        return self.usage_error is None and is_ready(self.last_success, now, interval)

    def abort(self) -> None:
        getattr(self.updater, "abort", lambda: None)()


@record
class Run:
    """How one repository's run went."""

    ok: bool
    seconds: float
    unavailable: bool = False
    error: str | None = None
    usage: UsageError | None = None  # a usage or config error
    releases: int = 0
    changed: int = 0

    def log(self, event: str) -> None:
        if self.ok:
            fields: dict[str, Any] = {"releases": self.releases, "changed": self.changed}
        else:
            fields = {"error": self.error, "unavailable": self.unavailable}
        emit = log.info if self.ok else log.error
        emit(event, result="success" if self.ok else "failure", seconds=round(self.seconds, 3), **fields)


def run_one(
    target: WatchTarget,
    *,
    envs: Sequence[str] | None,
    pushes: Sequence[Push] | None,
    stop: threading.Event,
    metrics: Metrics,
    receiver: Receiver,
    scope: ExitStack | None = None,
) -> Run:
    """One update run of ``target`` (``pushes``: targeted at them). Never raises: the failure
    is in the result (a usage error before the repository ever worked is for the caller to
    judge). ``scope``: the cycle's, until which the run's sessions share its gate clients
    (the page's status, computed after it, judges the reading the run judged)."""
    started = time.monotonic()
    updater = target.updater = None  # a failure to make one leaves no earlier run's counts
    try:
        updater = target.updater = target.make_updater()
        one_run = getattr(updater, "one_run", None)
        if scope is not None and one_run is not None:
            scope.enter_context(one_run())
        targeted = {"pushes": pushes} if pushes is not None else {}
        outcomes = updater.run(envs, should_stop=stop.is_set, **targeted)
    except ServiceUnavailable as exc:
        return _done(target, metrics, Run(False, time.monotonic() - started, True, str(exc)))
    except ConfigMissing as exc:
        return _onboard(target, metrics, updater, exc, started)
    except UsageError as exc:
        if target.last_success is not None:
            # a broken commit in the GitOps repository (gitops-bot.yaml): not ready until it is
            # fixed, but keep serving and retry at the interval instead of crash-looping
            target.usage_error = str(exc)
        return _done(target, metrics, Run(False, time.monotonic() - started, False, str(exc), exc))
    except GitOpsBotError as exc:
        return _done(target, metrics, Run(False, time.monotonic() - started, False, str(exc)))
    except Exception as exc:  # a bug: keep serving, report it, try again next interval
        log.exception("cycle_crashed", error=f"{type(exc).__name__}: {exc}")
        error = f"{type(exc).__name__}: {exc}"
        return _done(target, metrics, Run(False, time.monotonic() - started, False, error))
    finally:
        cfg = getattr(updater, "config", None)
        if cfg is not None:
            receiver.configure(cfg.webhooks, [img.repository for img in cfg.images], target.name)
    for o in outcomes:
        if o.action.changed:
            metrics.labels(metrics.changes, target.name, o.environment).inc(len(o.changes))
        if o.url or o.action is OutcomeAction.PULL_REQUEST:
            metrics.labels(metrics.pull_requests, target.name, str(o.action)).inc()
        log.info(
            "unchanged" if o.action is OutcomeAction.UNCHANGED else "change",
            environment=o.environment,
            action=str(o.action),
            images=[c.summary for c in o.changes],
            pull_request=o.url,
            commit=o.commit,
        )
    target.last_success = time.time()
    target.usage_error = None
    changed = sum(1 for o in outcomes if o.action.changed)
    return _done(
        target, metrics, Run(True, time.monotonic() - started, releases=len(outcomes), changed=changed)
    )


def _onboard(
    target: WatchTarget, metrics: Metrics, updater: Any, missing: ConfigMissing, started: float
) -> Run:
    """A repository without gitops-bot.yaml is proposed one, the onboarding pull request
    (``init --pull-request``): opened on the first cycle, left as it is on the next ones, never
    opened again once a person closed it; merged, the next cycle finds the configuration. A
    repository that cannot be onboarded (no environment found) stays the usage error it was."""
    environ = getattr(updater, "environ", None) or {}
    forge = init.forge_of(environ)
    request = init.Request(
        repo=str(getattr(updater, "repo", "")),
        config=getattr(updater, "config_path", None),
        base=getattr(updater, "base", None),
        forge=forge.get("forge"),
        api_url=forge.get("api_url"),
        forge_repository=forge.get("forge_repository"),
    )
    try:
        done = init.onboard(request, environ=environ)
    except ServiceUnavailable as exc:
        return _done(target, metrics, Run(False, time.monotonic() - started, True, str(exc)))
    except UsageError as exc:
        said = f"{missing}; and no onboarding pull request: {exc}"
        return _done(target, metrics, Run(False, time.monotonic() - started, False, said, UsageError(said)))
    except GitOpsBotError as exc:
        return _done(target, metrics, Run(False, time.monotonic() - started, False, str(exc)))
    log.info("onboarding", said=done.said, pull_request=done.url)
    target.last_success = time.time()
    target.usage_error = None
    return _done(target, metrics, Run(True, time.monotonic() - started))


def wants_observing(target: WatchTarget) -> bool:
    """Whether the repository's last config keeps a dashboard issue."""
    cfg = getattr(target.updater, "config", None)
    return bool(cfg is not None and cfg.dashboard.enabled)


def compute(
    target: WatchTarget,
    envs: Sequence[str] | None,
    run: Run,
    *,
    page: bool = True,
    observe: bool = True,
    delivery: bool = True,
) -> Snapshot:
    """Right after the repository's run, in a read-only session of its own (so the pull
    requests the run just opened are listed), never on a request: its status for the status
    page (``page``), its dashboard issue kept when its config asks (``observe``: either), and
    its delivery figures for /metrics and the page (``delivery``). Never raises: what stopped it is the
    snapshot's error."""
    # the clock the run's decisions read (the one a test or the playground sets), so the page's
    # "computed at" and its "until …" times agree
    now = instants.system_clock()
    shown = target.name or getattr(target.updater, "repo", None)  # one repository: its --repo
    name = redact(shown) if shown is not None else None  # a URL may carry a token
    if target.updater is None:
        return Snapshot(name, now, error=redact(run.error or "the repository could not be opened"))

    def read(s: Session) -> tuple[Status | None, Reports | str | None]:
        found = dashboard.observe(s, envs, page=page) if observe else None
        return found, _delivery(s, envs, target.known) if delivery else None

    try:
        found, figures = target.updater.open(read, sign=False)
    except GitOpsBotError as exc:
        return Snapshot(name, now, error=redact(" ".join(str(exc).split())))
    except Exception as exc:  # a bug: the page says so, the loop goes on
        log.exception("status_crashed", error=redact(f"{type(exc).__name__}: {exc}"))
        return Snapshot(name, now, error="internal error while computing the status (see the log)")
    if isinstance(figures, str):
        return Snapshot(name, instants.system_clock(), found, delivery_error=figures)
    return Snapshot(name, instants.system_clock(), found, delivery=figures)


def _delivery(s: Session, envs: Sequence[str] | None, known: Known) -> Reports | str:
    """The repository's delivery figures over the last 30 days, as ``gitops-bot report``
    computes them (``known``: what the earlier cycles read of each release's builds), or why
    not in one line: a report that fails costs its figures, never the status beside them."""
    try:
        return report(s, envs, PERIOD, known=known)
    except GitOpsBotError as exc:
        why = redact(" ".join(str(exc).split()))
        log.warning("delivery_failed", error=why)
        return why
    except Exception as exc:  # a bug: the figures are missing, the loop goes on
        log.exception("delivery_crashed", error=redact(f"{type(exc).__name__}: {exc}"))
        return "internal error while computing the delivery figures (see the log)"


def _done(target: WatchTarget, metrics: Metrics, run: Run) -> Run:
    """Per-repository metrics and log line (many repositories; one: the cycle's line says it)."""
    if target.name is not None:
        label = redact(target.name)  # a URL may carry a token: never into /metrics
        metrics.repository_cycles.labels(label, "success" if run.ok else "failure").inc()
        if run.ok and target.last_success is not None:
            metrics.repository_last_success.labels(label).set(target.last_success)
        run.log("repository_cycle")
    return run
