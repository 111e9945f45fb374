"""The gate port's verdict: open or closed, the rule, each reason, the evidence it was read from
and since when, decided inside the Argo CD adapter from the Application it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitops_bot.core.model import WrittenRef
from gitops_bot.gate import argocd
from gitops_bot.gate.port import State

DIGEST = "sha256:" + "a" * 64
WANTED = [argocd.Wanted("api", "ghcr.io/acme/api", "1.2.0", DIGEST)]


def _application(sync: str, images: list[str]) -> dict[str, Any]:
    return {
        "status": {
            "sync": {"status": sync, "revision": "abc123"},
            "health": {"status": "Healthy", "lastTransitionTime": "2026-11-20T10:00:00Z"},
            "operationState": {
                "phase": "Succeeded",
                "finishedAt": "2026-11-20T10:05:00Z",
                "syncResult": {"revision": "abc123"},
            },
            "summary": {"images": images},
        }
    }


def test_an_application_running_the_wanted_digest_opens_the_gate() -> None:
    verdict = argocd.judge(_application("Synced", [f"ghcr.io/acme/api@{DIGEST}"]), "staging-api", WANTED)
    assert verdict.open
    assert verdict.reasons == () and verdict.reason == ""
    assert "Synced" in verdict.rule and "Healthy" in verdict.rule
    assert verdict.evidence.state == State("Synced", "Healthy", "Succeeded")
    assert verdict.evidence.images == (WrittenRef.split(f"ghcr.io/acme/api@{DIGEST}"),)
    assert verdict.since == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


def test_a_closed_gate_states_each_reason_as_the_check_does() -> None:
    app = _application("OutOfSync", ["ghcr.io/acme/api:1.1.0"])
    verdict = argocd.judge(app, "staging-api", WANTED)
    assert not verdict.open
    assert verdict.reasons == tuple(argocd.check(app, "staging-api", WANTED))
    assert "staging-api is OutOfSync, not Synced" in verdict.reason
    assert verdict.evidence.state.sync == "OutOfSync"


def test_an_application_without_instants_has_no_since() -> None:
    verdict = argocd.judge({"status": {}}, "staging-api", [])
    assert not verdict.open
    assert verdict.since is None
    assert verdict.evidence == argocd.Evidence(State("Unknown", "Unknown", "None"), ())


NOW = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def test_the_verdict_reaches_the_decision_as_the_reading_every_gate_answers() -> None:
    """One shape for every gate: the decision sees Argo CD as it sees metrics, web and checks."""
    from gitops_bot.gate.reading import GateOutcome

    open_ = argocd.reading(
        "staging-api",
        argocd.judge(_application("Synced", [f"ghcr.io/acme/api@{DIGEST}"]), "staging-api", WANTED),
        NOW,
    )
    assert (open_.kind, open_.outcome, open_.value, open_.at) == (
        argocd.ARGOCD,
        GateOutcome.PASS,
        "Synced, Healthy",
        NOW,
    )
    assert open_.since == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    assert open_.said("staging") == "staging is green in Argo CD (Synced, Healthy)"

    closed = argocd.reading(
        "staging-api", argocd.judge(_application("OutOfSync", []), "staging-api", WANTED), NOW
    )
    assert closed.outcome is GateOutcome.FAIL and not closed.passes
    assert closed.said("staging") == f"staging is not green in Argo CD ({closed.error})"
    assert "staging-api is OutOfSync, not Synced" in closed.error
    assert closed.evidence() == {"application": "staging-api", "reading": closed.error}
    assert closed.text().startswith("Argo CD gate staging-api fails since 2026-11-20T10:05:00Z: ")

    unread = argocd.unread("staging-api", "Argo CD at https://argocd.example is unavailable (503)", NOW)
    assert unread.outcome is GateOutcome.UNKNOWN
    assert unread.said("staging") == (
        "staging's gate staging-api could not be read: Argo CD at https://argocd.example is unavailable (503)"
    )
