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

import base64
import math
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gitops_bot.core.errors import GitOpsBotError, QueryRefused, ServiceUnavailable, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.core.secret import EnvView
from gitops_bot.gate.reading import Outcome, Reading, line
from gitops_bot.gate.settings import MetricsConfig, MetricsGate

if TYPE_CHECKING:
    import httpx

# httpx and gitops_bot.net are imported where the gate runs, only for the environments with
# metrics gates.


Sample = tuple[str, float, str]  # (series labels, value, the value as the server wrote it)


def _labels(metric: Any) -> str:
    if not isinstance(metric, Mapping) or not metric:
        return ""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
    return line(f"{metric.get('__name__', '')}{{{inner}}}")


def _value(pair: Any) -> tuple[float, float, str] | None:
    """``[unix time, "value"]`` as Prometheus writes a sample (None: another shape)."""
    if not isinstance(pair, list) or len(pair) != 2:
        return None
    try:
        return float(pair[0]), float(pair[1]), str(pair[1])[:40]
    except (TypeError, ValueError):
        return None


def samples(data: Mapping[str, Any]) -> list[Sample]:
    """PURE: an instant query's samples (``vector`` or ``scalar``); raises ValueError on
    another shape."""
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        v = _value(result)
        if v is None:
            raise ValueError("a scalar that is not [time, value]")
        return [("", v[1], v[2])]
    if kind == "vector" and isinstance(result, list):
        out = []
        for s in result:
            v = _value(s.get("value")) if isinstance(s, Mapping) else None
            if v is None:
                raise ValueError("a vector sample that is not {metric, value: [time, value]}")
            out.append((_labels(s.get("metric")), v[1], v[2]))
        return out
    raise ValueError(f"result type {kind!r}, not a vector or a scalar")


def steps(data: Mapping[str, Any]) -> dict[float, list[Sample]]:
    """PURE: a range query's samples by their step's time (a ``matrix``)."""
    result = data.get("result")
    if data.get("resultType") != "matrix" or not isinstance(result, list):
        raise ValueError(f"result type {data.get('resultType')!r} of a range query, not a matrix")
    out: dict[float, list[Sample]] = {}
    for s in result:
        values = s.get("values") if isinstance(s, Mapping) else None
        if not isinstance(values, list):
            raise ValueError("a matrix series without values")
        labels = _labels(s.get("metric"))
        for pair in values:
            v = _value(pair)
            if v is None:
                raise ValueError("a matrix sample that is not [time, value]")
            out.setdefault(v[0], []).append((labels, v[1], v[2]))
    return out


def judge(gate: MetricsGate, now: Sequence[Sample], at: datetime) -> Reading:
    """PURE: the gate's verdict on the samples of an instant query at ``at``."""
    rule = gate.rule
    reading = Reading(gate.name, gate.query, str(rule), Outcome.NO_DATA, at)
    if not now:
        return reading
    failing = [s for s in now if not rule.holds(s[1])]
    labels, _, shown = (failing or now)[0]
    outcome = Outcome.FAIL if failing else Outcome.PASS
    return Reading(gate.name, gate.query, str(rule), outcome, at, shown, labels)


def over_window(
    reading: Reading,
    gate: MetricsGate,
    window: Mapping[float, Sequence[Sample]],
    start: datetime,
    step: float,
) -> Reading:
    """PURE: ``reading`` (the gate now) with its ``since`` read from the window's steps
    (``start`` + k * ``step``, up to the reading's instant): passing, the step after the last
    that failed or had no data (``start`` when none did); failing, the step after the last that
    passed (``start`` when none did)."""
    rule = gate.rule
    first, end = start.timestamp(), reading.at.timestamp()
    count = max(int((end - first) // step), 0)
    times = [first + k * step for k in range(count + 1)]

    def ok(t: float) -> bool:
        found = _at(window, t)
        return bool(found) and all(rule.holds(s[1]) for s in found)

    if reading.outcome is Outcome.PASS:
        bad = [t for t in times if not ok(t)]
        since = first if not bad else bad[-1] + step
    elif reading.outcome is Outcome.FAIL:
        good = [t for t in times if ok(t)]
        since = first if not good else good[-1] + step
    else:
        return reading
    return _with_since(reading, datetime.fromtimestamp(min(since, end), UTC))


def _at(window: Mapping[float, Sequence[Sample]], t: float) -> Sequence[Sample]:
    """The samples of the step at ``t`` (a server writes times as floats: matched to the ms)."""
    found = window.get(t)
    if found is not None:
        return found
    return next((v for k, v in window.items() if abs(k - t) < 0.001), ())


def _with_since(reading: Reading, since: datetime) -> Reading:
    from dataclasses import replace

    return replace(reading, since=since)


MAX_STEPS = 10_000  # Prometheus refuses a range query of more than 11,000 points per series


def window_step(gate: MetricsGate, start: datetime, end: datetime) -> float:
    """The gate's step, widened when the window would need more than :data:`MAX_STEPS`."""
    step = max(gate.span.total_seconds(), 1.0)
    return max(step, math.ceil((end - start).total_seconds() / MAX_STEPS))


def failing(readings: Sequence[Reading]) -> list[Reading]:
    """The readings that hold a release back: failing, or without data (unknown aside)."""
    return [r for r in readings if r.outcome in (Outcome.FAIL, Outcome.NO_DATA)]


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
        header = _authorization(cfg, environ)
        import httpx

        from gitops_bot.net.auth import OriginAuth
        from gitops_bot.net.transport import Transport

        ctx = _context(cfg, root)
        self._client = httpx.Client(
            base_url=cfg.url,
            headers={"Accept": "application/json", "User-Agent": "gitops-bot"},
            # the credentials go to this server's origin only: a redirect elsewhere gets none
            auth=OriginAuth(cfg.url, header) if header else None,
            follow_redirects=True,
            trust_env=False,
            transport=transport or Transport(ssl_context=ctx),
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
            if since is None or since >= at or now.outcome not in (Outcome.PASS, Outcome.FAIL):
                return now
            step = window_step(gate, since, at)
            window = steps(self.query_range(gate.query, since, at, step))
            return over_window(now, gate, window, since, step)
        except (GitOpsBotError, ValueError) as exc:
            text = (
                f"{self.url} answered an unexpected shape ({exc})"
                if isinstance(exc, ValueError)
                else str(exc)
            )
            return Reading(gate.name, gate.query, gate.condition, Outcome.UNKNOWN, at, error=line(text))

    def _ask(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        import time

        from gitops_bot.net import retry

        try:
            return retry.call(
                lambda: self._get(path, params),
                retry.RetryPolicy(attempts=3, max_wait=4.0),
                time.monotonic() + TOTAL,
            )
        except retry.GaveUp as exc:
            raise ServiceUnavailable(
                f"the metrics server at {self.url} is unavailable ({exc.what})"
            ) from None

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        import httpx

        from gitops_bot.net import limits, retry
        from gitops_bot.net.transport import fetch

        try:
            r = fetch(self._client, "GET", path, timeout=ATTEMPT, limit=LIMIT, params=params)
        except limits.TooLarge:
            raise ServiceUnavailable(
                f"the metrics server at {self.url} answered more than {LIMIT} bytes"
            ) from None
        except httpx.TimeoutException:
            raise retry.Retryable(f"no complete answer within {ATTEMPT:g}s") from None
        except httpx.TransportError as exc:
            raise retry.Retryable(type(exc).__name__) from None
        if r.status in (401, 403):
            raise UsageError(f"the metrics server at {self.url} refused the credentials (HTTP {r.status})")
        try:
            body = limits.loads(r.body)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("status") == "error":
            # the server read the query and refused it (a parse error, an execution error, its
            # own timeout): its message says why, and asking again would not change it
            raise QueryRefused(
                f"{self.url} refused the query: {body.get('errorType') or 'error'}: {line(body.get('error'))}"
            )
        retry.raise_if_retryable(r)
        if r.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise ServiceUnavailable(
                f"the metrics server at {self.url} answered HTTP {r.status}, not its API"
            )
        return body["data"]  # type: ignore[no-any-return]

    def close(self) -> None:
        self._client.close()


ATTEMPT = 10.0  # seconds for one answer, in all
TOTAL = 30.0  # seconds for one question, retries included
LIMIT = 8 << 20  # a gate's answer is a handful of series; a runaway query is stopped here


def _unix(when: datetime) -> str:
    return f"{when.timestamp():.3f}"


def _authorization(cfg: MetricsConfig, environ: Mapping[str, str]) -> str | None:
    """The Authorization header from the variables the config names (None: no credentials)."""
    names = [n for n in (cfg.token_env, cfg.username_env, cfg.password_env) if n]
    # In a fleet, the url is whatever one repository's config wrote: the operator's secret goes
    # there only if the operator gave that repository the variable.
    allowed = environ.allowed if isinstance(environ, EnvView) else None
    for name in names:
        if allowed is not None and name not in allowed and environ.get(name):
            raise UsageError(
                f"this repository's config points the metrics gate at {cfg.url}, and ${name} was "
                "not given to it in the repositories file",
                hint=f"list {name} under this repository's 'env:' (or 'shared_env:')",
            )
        if not environ.get(name):
            raise UsageError(f"the metrics gate needs ${name} (metrics: in gitops-bot.yaml names it)")
    if cfg.token_env:
        token = environ[cfg.token_env]
        register_secret(token)
        return f"Bearer {token}"
    if cfg.username_env and cfg.password_env:
        user, password = environ[cfg.username_env], environ[cfg.password_env]
        register_secret(password)
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        register_secret(pair)
        return f"Basic {pair}"
    return None


def _context(cfg: MetricsConfig, root: Any) -> ssl.SSLContext | None:
    """TLS as configured: a private CA, a client certificate (mTLS), or no verification."""
    if cfg.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif cfg.ca_file or cfg.cert_file:
        from gitops_bot.net.tls import fresh_context

        ctx = fresh_context(_path(root, cfg.ca_file))
    else:
        return None
    if cfg.cert_file:
        try:
            ctx.load_cert_chain(_path(root, cfg.cert_file) or "", _path(root, cfg.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load the metrics client certificate {cfg.cert_file}: {exc}",
                hint="point cert_file and key_file at the client's PEM certificate and key",
            ) from None
    return ctx


def _path(root: Any, name: str | None) -> str | None:
    if name is None:
        return None
    from pathlib import Path

    p = Path(name)
    return str(p if p.is_absolute() or root is None else Path(root) / p)
