"""The delivery figures on ``watch``'s ``/metrics``: each environment's four DORA keys over the
last :data:`PERIOD`, as ``gitops-bot report`` computes them (:func:`gitops_bot.engine.report.report`,
the same function, never a second reading).

The loop computes them once per cycle, in the read-only session that follows each repository's
run, and :meth:`Delivery.publish`\\ es them; a scrape only writes out what is in memory, so
however often Prometheus asks, git, the registry and the forge are not asked. They are computed
only for a reader: with the status page (which shows them), or once ``/metrics`` has been read
(:meth:`Delivery.wanted`: the first scrape finds none, the cycles after it compute them), so a
``watch`` nobody scrapes never walks its history for them. A report that
could not be computed takes its repository's series away (Prometheus reads them as gone, not as
stale figures); ``gitops_bot_dora_computed_timestamp_seconds`` says how fresh the others are.

Every figure is a gauge over the period (releases a day, a ratio) or a summary whose quantiles
are the report's median and 90th percentile and whose ``_count`` is the number of values it
rests on; beside each, how many releases it rests on and how many it could not read. A figure
with nothing to rest on (no release in the period) is NaN, as a summary without observations is.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

from prometheus_client.metrics_core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from gitops_bot.core.log import redact
from gitops_bot.engine.report import Reports
from gitops_bot.release.dora import Durations, Report

PERIOD = timedelta(days=30)  # `gitops-bot report`'s default period, and the status page's
PREFIX = "gitops_bot_dora_"

_Gauge = tuple[str, str, Callable[[Report], float]]
GAUGES: tuple[_Gauge, ...] = (
    ("releases", "Releases to the environment in the period", lambda r: len(r.releases)),
    (
        "deployment_frequency_per_day",
        "Releases to the environment a day, over the period",
        lambda r: r.per_day,
    ),
    ("lead_time_releases", "Releases the lead time rests on", lambda r: r.lead_time.releases),
    (
        "lead_time_unread",
        "Image changes in the period whose lead time could not be read",
        lambda r: len(r.lead_time.unread),
    ),
    (
        "change_failure_ratio",
        "Share of the period's releases (restores aside) that a rollback or hold showed failed",
        lambda r: math.nan if r.failure_rate is None else r.failure_rate,
    ),
    (
        "changes",
        "Releases the change failure ratio rests on (every release but the restores)",
        lambda r: r.changes,
    ),
    ("change_failures", "Releases in the period that failed", lambda r: len(r.failures)),
    ("change_failure_unread", "Versions of the holds file that could not be read", lambda r: len(r.unread)),
    ("time_to_restore_unread", "Failed releases not restored yet", lambda r: len(r.restore.unread)),
)
_Summary = tuple[str, str, Callable[[Report], Durations]]
SUMMARIES: tuple[_Summary, ...] = (
    (
        "lead_time_seconds",
        "Source commit to release, over the period; _count: the image changes it rests on",
        lambda r: r.lead_time,
    ),
    (
        "time_to_restore_seconds",
        "Failed release to the release that restored it, over the period; _count: failures restored",
        lambda r: r.restore,
    ),
)
QUANTILES: tuple[tuple[str, Callable[[Durations], timedelta | None]], ...] = (
    ("0.5", lambda d: d.median),
    ("0.9", lambda d: d.p90),
)


class DeliveryMetrics(Collector):
    """The last figures of each repository (``many``: labelled with it), written out on a scrape."""

    def __init__(self, many: bool = False) -> None:
        self.many = many
        self._lock = threading.Lock()
        self._reports: dict[str | None, Reports] = {}
        self._read = False  # whether /metrics has been read: the figures have a reader

    def publish(self, repository: str | None, found: Reports | None) -> None:
        """The loop's newest figures of one repository (None: none could be computed)."""
        with self._lock:
            if found is None:
                self._reports.pop(repository, None)
            else:
                self._reports[repository] = found

    def describe(self) -> list[Metric]:
        return []  # the series come and go with the repositories' reports

    def wanted(self) -> bool:
        """Whether anything has read the figures (a scrape): the loop computes them from then on."""
        with self._lock:
            return self._read

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            self._read = True
            reports = dict(self._reports)
        return iter(families(reports, many=self.many))


def families(reports: dict[str | None, Reports], *, many: bool) -> list[Metric]:
    """PURE: the metric families of every repository's report."""
    repo = ["repository"] if many else []
    out: list[Metric] = []
    period = GaugeMetricFamily(
        PREFIX + "period_seconds", "Length of the period the figures cover", labels=repo
    )
    computed = GaugeMetricFamily(
        PREFIX + "computed_timestamp_seconds", "Unix time the figures were computed at", labels=repo
    )
    names = [*repo, "environment"]
    gauges = [(GaugeMetricFamily(PREFIX + n, h, labels=names), f) for n, h, f in GAUGES]
    summaries = [(SummaryMetricFamily(PREFIX + n, h, labels=names), f) for n, h, f in SUMMARIES]
    for repository, found in reports.items():
        named = _named(repository, many)
        period.add_metric(named, (found.until - found.since).total_seconds())
        computed.add_metric(named, found.until.timestamp())
        for r in found.reports:
            labels = [*named, r.environment]
            for gauge, value in gauges:
                gauge.add_metric(labels, float(value(r)))
            for summary, durations in summaries:
                _summarize(summary, dict(zip(names, labels, strict=True)), durations(r))
    out += [period, computed]
    out += [g for g, _ in gauges]
    out += [s for s, _ in summaries]
    return out


def _named(repository: str | None, many: bool) -> list[str]:
    return [redact(repository or "")] if many else []  # a URL may carry a token


def _summarize(family: SummaryMetricFamily, labels: dict[str, str], d: Durations) -> None:
    """The report's median and 90th percentile as the summary's quantiles, then its count and sum."""
    for q, of in QUANTILES:
        value = of(d)
        family.add_sample(
            family.name, {**labels, "quantile": q}, math.nan if value is None else value.total_seconds()
        )
    family.add_metric(list(labels.values()), len(d.values), sum(v.total_seconds() for v in d.values))
