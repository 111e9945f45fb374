"""The promotion gate against an Argo CD whose answers follow Argo CD's API description: it
opens only when the sync operation that applied the synced revision succeeded, the Application
is Synced and Healthy, and the promoted digest runs; Applications in other namespaces are asked
for with ``appNamespace``."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.gate import argocd
from gitops_bot.gate.settings import ArgoCDConfig
from testkit.argocd_server import REVISION, FakeArgoCD, application
from testkit.contract import Contract, ContractViolation

DIGEST = "sha256:" + "a" * 64
IMAGE = f"ghcr.io/acme/app@{DIGEST}"
WANTED = [argocd.Wanted("app", "ghcr.io/acme/app", "1.1.0", DIGEST)]
OTHER_REVISION = "0" * 40


def _ask(app: dict[str, Any], name: str = "staging", cfg: dict[str, Any] | None = None) -> list[str]:
    """The gate's verdict on ``app`` as served by the fake (every exchange contract-checked)."""
    with FakeArgoCD() as server:
        key = f"{app['metadata']['namespace']}/{app['metadata']['name']}"
        server.apps[key] = app
        client = argocd.ArgoCD(
            ArgoCDConfig(server=server.url, **(cfg or {})), {"ARGOCD_AUTH_TOKEN": server.token}
        )
        try:
            return argocd.check(client.application(name), name, WANTED)
        finally:
            client.close()


def test_gate_opens_when_the_operation_succeeded_at_the_synced_revision() -> None:
    assert _ask(application("staging", [IMAGE])) == []


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("Failed", "one or more synchronization tasks completed unsuccessfully (PostSync hook failed)"),
        ("Error", "ComparisonError: rpc error"),
        ("Running", "waiting for completion of hook batch/Job/smoke-test"),
        ("Terminating", ""),
    ],
)
def test_gate_stays_closed_while_the_last_operation_did_not_succeed(phase: str, message: str) -> None:
    """Synced and Healthy are not enough: a failed PostSync hook leaves both as they were."""
    app = application("staging", [IMAGE], phase=phase, message=message)
    problems = _ask(app)
    assert problems and f"last sync operation is {phase}, not Succeeded" in problems[0]
    assert message in problems[0]


def test_gate_stays_closed_when_the_successful_operation_applied_another_revision() -> None:
    app = application("staging", [IMAGE], applied=OTHER_REVISION)
    assert _ask(app) == [
        f"Argo CD application staging's last successful sync applied {OTHER_REVISION[:12]}, "
        f"not the synced revision {REVISION[:12]}"
    ]


def test_gate_compares_every_revision_of_a_multi_source_application() -> None:
    app = application("staging", [IMAGE])
    status = app["status"]
    status["sync"] = {"status": "Synced", "revisions": [REVISION, "b" * 40]}
    status["operationState"]["syncResult"] = {"revisions": [REVISION, "c" * 40]}
    assert "not the synced revision" in _ask(app)[0]
    status["operationState"]["syncResult"] = {"revisions": [REVISION, "b" * 40]}
    assert _ask(app) == []


def test_gate_stays_closed_when_the_promoted_digest_is_not_running() -> None:
    problems = _ask(application("staging", ["ghcr.io/acme/app@sha256:" + "b" * 64]))
    assert len(problems) == 1 and "does not run app" in problems[0]


def test_application_in_another_namespace_is_asked_for_with_app_namespace() -> None:
    app = application("staging", [IMAGE], namespace="team-a")
    assert _ask(app, cfg={"app_namespace": "team-a"}) == []
    assert _ask(app, name="team-a/staging") == []
    with pytest.raises(UsageError, match="has no application 'staging'"):
        _ask(app)  # not in Argo CD's own namespace


def test_app_namespace_is_sent_as_the_query_argo_cd_documents() -> None:
    with FakeArgoCD() as server:
        server.apps["team-a/staging"] = application("staging", [IMAGE], namespace="team-a")
        cfg = ArgoCDConfig(server=server.url, app_namespace="team-a")
        argocd.ArgoCD(cfg, {"ARGOCD_AUTH_TOKEN": server.token}).application("staging")
    assert server.requests == ["/api/v1/applications/staging?appNamespace=team-a"]


def test_contract_fails_an_answer_that_breaks_argo_cds_description() -> None:
    """The fake cannot drift: an answer shaped unlike Argo CD's fails the test that caused it."""
    broken = application("staging", [IMAGE])
    broken["status"]["summary"]["images"] = IMAGE  # a string where Argo CD sends a list
    with pytest.raises(ContractViolation, match="status/summary/images"):
        _ask(broken)
    contract = Contract.load("argocd")
    contract.check("GET", "/api/v1/applications/x/not-an-endpoint", None, 200, {})
    assert contract.violations == [
        "GET /api/v1/applications/x/not-an-endpoint -> 200: no such operation in the description"
    ]
