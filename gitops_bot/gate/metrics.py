"""The metrics gate: does a PromQL expression hold for an environment, now and over a window?

One read-only API, Prometheus's (``GET /api/v1/query`` and ``GET /api/v1/query_range``), which
Thanos, Mimir (under its ``/prometheus`` prefix) and VictoriaMetrics answer too. A gate is a
name, an expression and a condition (``< 0.01``) that every sample of the answer must meet:

- **pass**: the answer has samples and each meets the condition;
- **fail**: a sample does not (a NaN fails every condition but ``!=``);
- **no data**: the answer is empty. An expression that matches nothing says nothing about the
  release, so it never passes: it holds promotions back as a failure does, and is said apart;
- **unknown**: the server refused the query or could not be asked; the server's own message
  (one line, bounded, secrets redacted) says why.

Over a window (a soak), the gate asks Prometheus for the expression at every ``step`` from the
window's start to now (``query_range``) and judges each step as above: the gate *holds since*
the step after the last one that failed or had no data. So a spike anywhere in the window
moves "since" past it, and the soak waiting on it restarts there, read again from
Prometheus's own record on every run (the bot keeps nothing). A spike shorter than ``step``
is seen only through the expression (``max_over_time(...[step])``, a rate over a range at
least ``step`` long).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot.core import numbers
from gitops_bot.core.errors import GitOpsBotError, QueryRefused, ServiceUnavailable, UsageError
from gitops_bot.core.instants import INSTANT_MAX, INSTANT_MIN
from gitops_bot.core.model import DecisionRule
from gitops_bot.core.secret import given
from gitops_bot.gate.conditions import MetricsGate
from gitops_bot.gate.reading import GateKind, GateOutcome, Reading, line, measured, since_text
from gitops_bot.gate.settings import MetricsConfig
from gitops_bot.net import tls
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Answer, Credential, Refused, Service, Unavailable

if TYPE_CHECKING:
    import httpx

    from gitops_bot.net.service import Credential

# httpx and gitops_bot.net are imported where the gate runs, only for the environments with
# metrics gates.


Sample = tuple[str, float, str]  # (series labels, value, the value as the server wrote it)
Series = tuple[
    str, list[tuple[float, float, str]]
]  # (labels, [(unix time, value, as written)] in time order)


def _labels(metric: Any) -> str:
    if not isinstance(metric, Mapping) or not metric:
        return ""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
    return line(f"{metric.get('__name__', '')}{{{inner}}}")


_EARLIEST, _LATEST = INSTANT_MIN.timestamp(), INSTANT_MAX.timestamp()


def _value(pair: Any) -> tuple[float, float, str]:
    """``[unix time, "value"]`` as Prometheus writes a sample, each number read within its
    bounds (:mod:`gitops_bot.core.numbers`): the time an instant, the value a float64 or
    the ``NaN``/``+Inf``/``-Inf`` Prometheus documents; ValueError for anything else."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise ValueError("a sample that is not [time, value]")
    at = numbers.real(pair[0], "a sample's time", low=_EARLIEST, high=_LATEST)
    # NaN and ±Inf are documented as strings only: a JSON number that reads as an infinity
    # was one no float64 holds (1e400), which a condition such as "> 0.99" would pass
    value = numbers.real(pair[1], "a sample's value", special=isinstance(pair[1], str))
    return at, value, str(pair[1])[:40]


def samples(data: Mapping[str, Any]) -> list[Sample]:
    """PURE: an instant query's samples (``vector`` or ``scalar``); raises ValueError on
    another shape or a number out of bounds."""
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        v = _value(result)
        return [("", v[1], v[2])]
    if kind == "vector" and isinstance(result, list):
        out = []
        for s in result:
            if not isinstance(s, Mapping):
                raise ValueError("a vector sample that is not {metric, value: [time, value]}")
            v = _value(s.get("value"))
            out.append((_labels(s.get("metric")), v[1], v[2]))
        return out
    raise ValueError(f"result type {kind!r}, not a vector or a scalar")


def series(data: Mapping[str, Any]) -> list[Series]:
    """PURE: a range query's series (a ``matrix``), each with its samples in time order at the
    instants the server answered them (whatever their alignment)."""
    result = data.get("result")
    if data.get("resultType") != "matrix" or not isinstance(result, list):
        raise ValueError(f"result type {data.get('resultType')!r} of a range query, not a matrix")
    out: list[Series] = []
    for s in result:
        values = s.get("values") if isinstance(s, Mapping) else None
        if not isinstance(values, list):
            raise ValueError("a matrix series without values")
        read = [_value(pair) for pair in values]
        if any(read[i][0] > read[i + 1][0] for i in range(len(read) - 1)):
            read.sort(key=lambda v: v[0])  # Prometheus answers in order; a server that does not
        out.append((_labels(s.get("metric")), read))
    return out


class MetricsKind(GateKind):
    """A reading of a PromQL condition: an empty answer is said as such (it never passes), and
    the decision's JSON has always shown these without a kind."""

    name = "metrics"
    rule = DecisionRule.METRICS

    def text(self, r: Reading) -> str:
        if r.outcome is GateOutcome.NO_DATA:
            head = f"{self.name} gate {r.gate} ({r.query})"
            return f"{head} has no data{since_text(r)}: an empty answer never passes"
        return super().text(r)

    def evidence(self, r: Reading) -> dict[str, str]:
        return measured(r)


METRICS = MetricsKind()


def unread(gate: MetricsGate, at: datetime, why: str) -> Reading:
    """PURE: the gate could not be read (the server unreachable, a credential missing): ``why``."""
    return Reading(gate.name, gate.query, gate.condition, GateOutcome.UNKNOWN, at, error=why, kind=METRICS)


def judge(gate: MetricsGate, now: Sequence[Sample], at: datetime) -> Reading:
    """PURE: the gate's verdict on the samples of an instant query at ``at``."""
    rule = gate.rule
    reading = Reading(gate.name, gate.query, str(rule), GateOutcome.NO_DATA, at, kind=METRICS)
    if not now:
        return reading
    failing = [s for s in now if not rule.holds(s[1])]
    labels, _, shown = (failing or now)[0]
    outcome = GateOutcome.FAIL if failing else GateOutcome.PASS
    return Reading(gate.name, gate.query, str(rule), outcome, at, shown, labels, kind=METRICS)


def over_window(
    reading: Reading,
    gate: MetricsGate,
    window: Sequence[Series],
    start: datetime,
    step: float,
) -> Reading:
    """PURE: ``reading`` (the gate now) with its ``since`` read from the window's steps
    (``start`` + k * ``step``, up to the reading's instant): passing, the step after the last
    that failed or had no data (``start`` when none did); failing, the step after the last that
    passed (``start`` when none did).

    Each step is judged on the samples the server answered whatever its grid: for each
    series, the latest sample at or before the step and after the step before it (so a server
    that aligns its instants to multiples of ``step``, as VictoriaMetrics and Mimir do, is
    read at its own instants; a series that ended says nothing about later steps). One pass
    over the answer and one over the steps: linear in both."""
    rule = gate.rule
    first, end = start.timestamp(), reading.at.timestamp()
    count = max(int((end - first) // step), 0) + 1
    present = bytearray(count)  # some series has a sample for the step
    failed = bytearray(count)  # some series' sample for the step misses the condition
    # the instants went out written to the millisecond (_unix): a sample the server dated a
    # fraction of a millisecond after a step is that step's
    slack = 0.001 / step
    for _labels_of, values in window:
        k_last, holds_last = -1, True
        for at, value, _shown in values:
            k = math.ceil((at - first) / step - slack)  # the first step at or after the sample
            if k < 0 or k >= count:
                continue
            if k != k_last and k_last >= 0:
                present[k_last] = 1
                failed[k_last] |= not holds_last
            k_last, holds_last = k, rule.holds(value)  # a later sample for the same step wins
        if k_last >= 0:
            present[k_last] = 1
            failed[k_last] |= not holds_last
    ok = [bool(present[k]) and not failed[k] for k in range(count)]
    if reading.outcome is GateOutcome.PASS:
        bad = [k for k in range(count) if not ok[k]]
        since = first if not bad else first + (bad[-1] + 1) * step
    elif reading.outcome is GateOutcome.FAIL:
        good = [k for k in range(count) if ok[k]]
        since = first if not good else first + (good[-1] + 1) * step
    else:
        return reading
    return replace(reading, since=datetime.fromtimestamp(min(since, end), UTC))


MAX_STEPS = 10_000  # Prometheus refuses a range query of more than 11,000 points per series


def window_step(gate: MetricsGate, start: datetime, end: datetime) -> float:
    """The gate's step, widened when the window would need more than :data:`MAX_STEPS`."""
    step = max(gate.span.total_seconds(), 1.0)
    return max(step, math.ceil((end - start).total_seconds() / MAX_STEPS))


def failing(readings: Sequence[Reading]) -> list[Reading]:
    """The readings that hold a release back: failing, or without data (unknown aside)."""
    return [r for r in readings if r.outcome in (GateOutcome.FAIL, GateOutcome.NO_DATA)]


class Prometheus:
    """A client for one Prometheus-compatible server's query API."""

    def __init__(
        self,
        cfg: MetricsConfig,
        environ: Mapping[str, str],
        root: Any = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        assert cfg.url

        self.url = cfg.url
        credential = _credential(cfg, environ)
        context = tls.context(
            _path(root, cfg.ca_file),
            cert_file=_path(root, cfg.cert_file),
            key_file=_path(root, cfg.key_file),
            insecure=cfg.insecure,
            service="the metrics server",
        )
        self._service = Service(
            "the metrics server",
            cfg.url,
            credential=credential,  # to this server's origin only
            tls=context,
            timeout=ATTEMPT,
            total=TOTAL,
            limit=LIMIT,
            policy=RETRY,
            transport=transport,
        )

    def query(self, expr: str, at: datetime) -> dict[str, Any]:
        """The ``data`` of ``/api/v1/query`` at ``at``; :class:`~gitops_bot.core.errors.QueryRefused`
        when the server refuses the query."""
        return self._ask("/api/v1/query", {"query": expr, "time": _unix(at)})

    def query_range(self, expr: str, start: datetime, end: datetime, step: float) -> dict[str, Any]:
        return self._ask(
            "/api/v1/query_range",
            {"query": expr, "start": _unix(start), "end": _unix(end), "step": f"{step:g}"},
        )

    def reading(self, gate: MetricsGate, at: datetime, since: datetime | None = None) -> Reading:
        """The gate's verdict at ``at``, and over [``since``, ``at``] when ``since`` is given.
        Never raises for the server: what it could not read is an unknown reading saying why."""
        try:
            now = judge(gate, samples(self.query(gate.query, at)), at)
            if since is None or since >= at or now.outcome not in (GateOutcome.PASS, GateOutcome.FAIL):
                return now
            step = window_step(gate, since, at)
            window = series(self.query_range(gate.query, since, at, step))
            return over_window(now, gate, window, since, step)
        except (GitOpsBotError, ValueError) as exc:
            text = (
                f"{self.url} answered an unexpected shape ({exc})"
                if isinstance(exc, ValueError)
                else str(exc)
            )
            return unread(gate, at, line(text))

    def _ask(self, path: str, params: dict[str, str]) -> dict[str, Any]:

        match self._service.get(path, params=params):
            case Answer(json={"data": dict() as data}):
                return data
            case Refused(status=401 | 403 as status):
                raise UsageError(f"the metrics server at {self.url} refused the credentials (HTTP {status})")
            # the server read the query and refused it (a parse error, an execution error): its
            # message says why, and asking again would not change it
            case Refused(json={"status": "error", **error}):
                kind = error.get("errorType") if isinstance(error.get("errorType"), str) else "error"
                raise QueryRefused(f"{self.url} refused the query: {line(kind)}: {line(error.get('error'))}")
            case Answer(status=status) | Refused(status=status):
                raise ServiceUnavailable(
                    f"the metrics server at {self.url} answered HTTP {status}, not its API"
                )
            case Unavailable(why=why, said=said):
                more = f": {said}" if said else ""
                raise ServiceUnavailable(f"the metrics server at {self.url} is unavailable ({why}{more})")
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._service.close()


ATTEMPT = 10.0  # seconds for one answer, in all
TOTAL = 30.0  # seconds for one question, retries included
LIMIT = 8 << 20  # a gate's answer is a handful of series; a runaway query is stopped here
# The retry budget of one question: 3 attempts, 0.5 s then 1 s apart (a Retry-After up to 4 s),
# read when a client is made, so a test that means the giving up can shorten the waits here.
RETRY = RetryPolicy(attempts=3, max_wait=4.0)


def _unix(when: datetime) -> str:
    return f"{when.timestamp():.3f}"


def _credential(cfg: MetricsConfig, environ: Mapping[str, str]) -> Credential | None:
    """The credential the variables the config names hold (None: none named)."""

    found = {}
    for name in (n for n in (cfg.token_env, cfg.username_env, cfg.password_env) if n):
        value = given(environ, name, service="the metrics gate", url=cfg.url)
        if not value:
            raise UsageError(f"the metrics gate needs ${name} (metrics: in gitops-bot.yaml names it)")
        found[name] = value
    if cfg.token_env:
        return Credential.bearer(found[cfg.token_env])
    if cfg.username_env and cfg.password_env:
        return Credential.basic(found[cfg.username_env], found[cfg.password_env])
    return None


def _path(root: Any, name: str | None) -> str | None:
    if name is None:
        return None

    p = Path(name)
    return str(p if p.is_absolute() or root is None else Path(root) / p)
