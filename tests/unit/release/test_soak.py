"""The soak before an automatic promotion, decided from git's and the gate's instants only:
it starts at the latest of the release, the deployment and the last health transition (so a
blip restarts it), it is void while the gate is not green, it waits for a reading taken after
it ends, and its text never mentions "now" (a second run writes the same PR body)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gitops_bot.core.outside import md
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.port import Deployment, Live
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.release import soak

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
GREEN = Live(
    sync="Synced",
    health="Healthy",
    health_since=T0 + timedelta(minutes=2),
    health_message="",
    operation="Succeeded",
    operation_message="",
    operation_finished=T0 + timedelta(minutes=1),
    reconciled_at=T0 + timedelta(hours=6),  # a reading after every instant these tests decide at
    history=(Deployment("a" * 40, T0 - timedelta(days=1)), Deployment("b" * 40, T0 + timedelta(minutes=1))),
)


def decide(live: Live, now: datetime, released: datetime | None = T0) -> soak.Soak:
    return soak.decide("staging", "production", HOUR, released=released, live=live, now=now)


def test_the_soak_starts_at_the_latest_of_release_deployment_and_health_transition() -> None:
    assert soak.started(T0, GREEN) == T0 + timedelta(minutes=2)
    later_commit = T0 + timedelta(minutes=5)  # a release landed after Argo CD's last transition
    assert soak.started(later_commit, GREEN) == later_commit
    no_instants = replace(GREEN, health_since=None, operation_finished=None, history=())
    assert soak.started(None, no_instants) is None


def test_it_waits_until_the_hour_is_over_and_says_until_when() -> None:
    waiting = decide(GREEN, T0 + timedelta(minutes=32))
    assert not waiting.ready and waiting.until == T0 + timedelta(minutes=62)
    assert waiting.held == (
        "staging has soaked 30m of 1h (Healthy and Synced since 2026-11-23T09:02:00Z); "
        "waits until 2026-11-23T10:02:00Z",
    )
    assert decide(GREEN, T0 + timedelta(minutes=62)).ready


def test_a_degraded_blip_that_recovered_restarts_the_clock_at_the_recovery() -> None:
    recovered = replace(GREEN, health_since=T0 + timedelta(minutes=40))
    blip = decide(recovered, T0 + timedelta(minutes=90))
    assert not blip.ready and blip.since == T0 + timedelta(minutes=40)
    assert decide(recovered, T0 + timedelta(minutes=100)).ready


def test_nothing_soaks_while_the_gate_is_not_green() -> None:
    for live, why in [
        (replace(GREEN, health="Degraded"), "Degraded since 2026-11-23T09:02:00Z, not Healthy"),
        (replace(GREEN, sync="OutOfSync"), "OutOfSync, not Synced"),
        (replace(GREEN, operation="Failed", operation_message="hook failed"), "Failed, not Succeeded: hook"),
    ]:
        decided = decide(live, T0 + timedelta(days=1))
        assert not decided.ready and decided.since is None
        assert why in decided.held[0]


def test_a_reading_older_than_the_soak_end_is_not_proof_it_stayed_healthy() -> None:
    stale = replace(GREEN, reconciled_at=T0 + timedelta(minutes=50))
    assert "waits for a newer reading" in decide(stale, T0 + timedelta(hours=2)).held[0]
    fresh = replace(GREEN, reconciled_at=T0 + timedelta(minutes=63))
    assert decide(fresh, T0 + timedelta(hours=2)).ready


def test_without_reconciled_at_it_waits_for_another_reading_after_the_soak_and_says_so() -> None:
    unread = replace(GREEN, reconciled_at=None)
    (held,) = decide(unread, T0 + timedelta(hours=2)).held
    assert held == (
        "Argo CD gives no instant for its reading of staging (no status.reconciledAt or "
        "status.observedAt); waiting for a reading of its health after the soak ended at "
        "2026-11-23T10:02:00Z"
    )
    # The last sync's end and the last health transition predate the soak's end: no proof.
    assert not decide(
        replace(unread, operation_finished=T0 + timedelta(minutes=70)), T0 + timedelta(hours=2)
    ).ready
    stale = replace(unread, observed_at=T0 + timedelta(minutes=61))
    assert "waits for a newer reading" in decide(stale, T0 + timedelta(hours=2)).held[0]
    assert decide(replace(unread, observed_at=T0 + timedelta(minutes=63)), T0 + timedelta(hours=2)).ready


def test_the_pr_note_and_json_name_the_rule_and_its_instants_not_the_run() -> None:
    early, late = decide(GREEN, T0 + timedelta(hours=2)), decide(GREEN, T0 + timedelta(hours=5))
    assert (
        md(*early.note())
        == md(*late.note())
        == (
            "Promoted automatically: staging has run these digests, Healthy and Synced, since "
            "2026-11-23T09:02:00Z (auto_promote after 1h)."
        )
    )
    assert decide(GREEN, T0 + timedelta(minutes=10)).to_json() == {
        "rule": "auto_promote",
        "from": "staging",
        "to": "production",
        "after": "1h",
        "since": "2026-11-23T09:02:00Z",
        "until": "2026-11-23T10:02:00Z",
        "ready": False,
        "held": [
            "staging has soaked 8m of 1h (Healthy and Synced since 2026-11-23T09:02:00Z); "
            "waits until 2026-11-23T10:02:00Z"
        ],
    }


def _reading(outcome: str, since: datetime | None = None) -> Reading:
    return Reading(
        "error-rate",
        "rate(errors[5m])",
        "< 0.01",
        GateOutcome(outcome),
        T0 + timedelta(hours=2),
        "0.002",
        "",
        since,
        kind=METRICS,
    )


def test_a_metrics_gate_failing_or_without_data_voids_the_soak_and_says_which() -> None:
    for outcome in ("fail", "no data", "unknown"):
        s = soak.decide(
            "staging",
            "production",
            HOUR,
            released=T0,
            live=GREEN,
            now=T0 + 2 * HOUR,
            metrics=(_reading(outcome),),
        )
        assert not s.ready and s.until is None
        (held,) = s.held
        assert held.startswith(
            "staging's soak restarts once it holds: metrics gate error-rate (rate(errors[5m]))"
        )


def test_a_metrics_gate_holding_since_a_spike_moves_the_soak_start_past_the_spike() -> None:
    spike_over = T0 + timedelta(minutes=40)
    s = soak.decide(
        "staging",
        "production",
        HOUR,
        released=T0,
        live=GREEN,
        now=T0 + timedelta(minutes=70),
        metrics=(_reading("pass", spike_over),),
    )
    assert not s.ready and s.until == spike_over + HOUR
    ready = soak.decide(
        "staging",
        "production",
        HOUR,
        released=T0,
        live=GREEN,
        now=T0 + 2 * HOUR,
        metrics=(_reading("pass", spike_over),),
    )
    assert ready.ready
