"""The metrics gate's keys: one server (``metrics:``) and each environment's gates
(``gates: metrics:``), judged by :mod:`gitops_bot.gate.metrics`::

    metrics:
      url: https://prometheus.example.com    # Thanos, Mimir, VictoriaMetrics answer the same API
      token_env: PROMETHEUS_TOKEN            # or username_env + password_env, or cert_file + key_file
    environments:
      - name: staging
        path: overlays/staging
        gates:
          metrics:
            - name: error-rate
              query: sum(rate(http_requests_total{env="staging",code=~"5.."}[5m]))
                / sum(rate(http_requests_total{env="staging"}[5m]))
              condition: "< 0.01"
"""

from __future__ import annotations

from gitops_bot.config.kinds import ListOf, section_of
from gitops_bot.config.spec import Field, Section, Values
from gitops_bot.gate.metrics import MetricsConfig, MetricsGate


def _server(v: Values) -> MetricsConfig:
    if ("username_env" in v.node) != ("password_env" in v.node):
        raise v.error(v.line_of(), f"{v.what} needs both 'username_env' and 'password_env'")
    if "token_env" in v.node and "username_env" in v.node:
        raise v.error(v.line_of(), f"{v.what}: one of token_env or username_env/password_env, not both")
    if ("cert_file" in v.node) != ("key_file" in v.node):
        raise v.error(v.line_of(), f"{v.what} needs both 'cert_file' and 'key_file' (mTLS)")
    url = v["url"]
    return MetricsConfig(**(v.values | {"url": url.rstrip("/") if url else None}))


METRICS = section_of(
    MetricsConfig,
    _server,
    name="metrics",
    description="The Prometheus-compatible server the environments' metrics gates ask.",
    schema={
        "dependentRequired": {
            "username_env": ["password_env"],
            "password_env": ["username_env"],
            "cert_file": ["key_file"],
            "key_file": ["cert_file"],
        }
    },
)


def _gate(v: Values) -> MetricsGate:
    name = v["name"]
    if name in v.taken:
        raise v.error(v.line, f"metrics gate {name!r} of {v.parent} is listed twice")
    return MetricsGate(**v.values)


GATE = section_of(
    MetricsGate,
    _gate,
    name="metricsGate",
    named="metrics gate {name!r}",
    description=(
        "A PromQL expression every sample of which must meet the condition (an empty answer never passes)."
    ),
)
GATES = Section(
    (
        Field(
            "metrics",
            ListOf(GATE, "metrics gate {number} of {parent}", "'metrics' of {what} must be a list"),
            description="Metrics gates: each must hold for promotions from here, soaks and rollbacks.",
        ),
    ),
    lambda v: v["metrics"],
    name="gates",
    description="What must hold in this environment beside its Argo CD application.",
)
