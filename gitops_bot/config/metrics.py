"""The metrics gate's server (``metrics:``); each environment's gates (``gates: metrics:``)
are read by :mod:`.gates` and judged by :mod:`gitops_bot.gate.metrics`. Only a file that writes
it loads this module (:mod:`gitops_bot.config` imports it by name)::

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

from gitops_bot.config.kinds import section_of
from gitops_bot.config.spec import Values
from gitops_bot.gate.settings import MetricsConfig


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
