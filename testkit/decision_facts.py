"""The facts the decision tests weigh (the chain's, the decision's and the override's): one
clock, the release deployed and the newer one, the plain facts of production alone and
promoted from staging, and the gate readings staging's rules read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import Deployed
from gitops_bot.gate import argocd
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.release.decision import Facts
from gitops_bot.release.soak import Soak
from gitops_bot.release.windows import Deferral

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DEPLOYED = Deployed("example/app", "registry.example/app", "1.0.0", "sha256:" + "a" * 64)
NEWER = Deployed("example/app", "registry.example/app", "1.1.0", "sha256:" + "b" * 64)
FACTS = Facts("production", now=NOW)
PROMOTED = Facts("production", promote_from="staging", now=NOW)
WINDOW = Deferral("deny window fri 16:00-24:00 UTC", NOW + timedelta(hours=9))
SOAKING = Soak(
    "staging", "production", timedelta(hours=1), NOW - timedelta(minutes=20), ("soaked 20m of 1h",)
)
# staging's Application as Argo CD reports it: synced and degraded (a red gate), or not read
RED = Reading(
    "app-staging",
    "",
    argocd.RULE,
    GateOutcome.FAIL,
    NOW,
    "Synced, Degraded",
    error="Synced, Degraded",
    kind=argocd.ARGOCD,
)
UNREAD = argocd.unread("app-staging", "Argo CD at https://argocd.example is unavailable (503)", NOW)


def error_rate(query: str, outcome: GateOutcome, value: str, minutes: int | None = None) -> Reading:
    """The metrics gate ``error-rate`` (``query`` under 0.01) read at NOW as ``value``: with
    ``minutes``, failing or holding since that many minutes before."""
    since = None if minutes is None else NOW - timedelta(minutes=minutes)
    return Reading("error-rate", query, "< 0.01", outcome, NOW, value, "", since, kind=METRICS)
