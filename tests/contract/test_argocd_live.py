"""The gate port's ``live``: the instants soak and automatic rollback decide on, read from an
Argo CD answer that the swagger-validated fake serves (``health.lastTransitionTime``,
``operationState.finishedAt``, ``reconciledAt``, ``history[].deployedAt``)."""

from __future__ import annotations

from datetime import UTC, datetime

from gitops_bot.gate import argocd
from gitops_bot.gate.port import Gate
from gitops_bot.gate.settings import ArgoCDConfig
from testkit.argocd_server import REVISION, FakeArgoCD, application


def test_live_reads_the_health_transition_deployments_and_reconciliation_argo_cd_records() -> None:
    with FakeArgoCD() as server:
        server.apps["app-staging"] = application(
            "app-staging",
            ["registry.example/app:1.1.0"],
            health="Degraded",
            health_since="2026-11-23T10:40:00Z",
            health_message="Deployment app exceeded its progress deadline",
            finished="2026-11-23T10:01:00Z",
            reconciled="2026-11-23T10:45:00Z",
            deployed=("2026-11-22T09:00:00Z", "2026-11-23T10:01:00Z"),
        )
        gate: Gate = argocd.ArgoCD(ArgoCDConfig(server=server.url), {"ARGOCD_AUTH_TOKEN": server.token})
        try:
            live = gate.live("app-staging")
        finally:
            gate.close()
    assert (live.sync, live.health, live.operation) == ("Synced", "Degraded", "Succeeded")
    assert live.health_since == datetime(2026, 11, 23, 10, 40, tzinfo=UTC)
    assert live.health_message == "Deployment app exceeded its progress deadline"
    assert live.reconciled_at == datetime(2026, 11, 23, 10, 45, tzinfo=UTC)
    assert [d.revision for d in live.history][-1] == REVISION
    assert live.deployed_at == datetime(2026, 11, 23, 10, 1, tzinfo=UTC)


def test_live_without_the_instants_says_unknown_instead_of_guessing() -> None:
    app = application("app-staging", [], deployed=())
    del app["status"]["operationState"]["finishedAt"]
    live = argocd.read_live(app)
    assert live.health_since is None and live.reconciled_at is None and live.deployed_at is None
    assert argocd.read_live({"status": {"health": "odd", "history": "odd"}}).health == "Unknown"
