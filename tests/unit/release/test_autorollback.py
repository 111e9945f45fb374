"""The automatic rollback's decision: only a release the bot made, only a failure that began
after it and lasted the grace period, never under a freeze, and never twice (a hold placed by
an earlier automatic rollback, or a human's hold, stops it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import Deployed
from gitops_bot.gate.port import Live
from gitops_bot.release import autorollback
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import Change, Release

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)
DEGRADED = Live(
    sync="Synced",
    health="Degraded",
    health_since=T0 + timedelta(minutes=3),
    health_message="Deployment app: progress deadline exceeded",
    operation="Succeeded",
    operation_message="",
    operation_finished=T0 + timedelta(minutes=1),
    reconciled_at=None,
    history=(),
)
RELEASE = Entry(
    commit="c" * 40,
    time="2026-11-23T09:00:00+00:00",
    author="gitops-bot",
    subject="production: promote from staging",
    release="production-0123456789ab",
    pull_request=7,
    images={"app": Deployed("app", None, "1.1.0", "sha256:" + "b" * 64)},
    changed=("app",),
)


def decide(
    live: Live = DEGRADED,
    now: datetime = T0 + timedelta(minutes=14),
    latest: Entry | None = RELEASE,
    **kw: str,
) -> autorollback.RollbackDecision:
    return autorollback.decide("production", TEN, latest=latest, live=live, now=now, frozen=kw.get("frozen"))


def test_a_release_degraded_past_the_grace_period_is_rolled_back_with_the_failure_as_reason() -> None:
    verdict = decide()
    assert verdict.ready
    assert verdict.reason() == (
        "release production-0123456789ab Degraded (Deployment app: progress deadline exceeded) since "
        "2026-11-23T09:03:00Z, longer than auto_rollback after 10m"
    )


def test_within_the_grace_period_it_waits_and_says_until_when() -> None:
    verdict = decide(now=T0 + timedelta(minutes=5))
    assert not verdict.ready and verdict.until == T0 + timedelta(minutes=13)
    assert "rolls back at 2026-11-23T09:13:00Z unless it recovers" in verdict.held[0]


def test_a_failed_sync_counts_from_when_the_operation_finished() -> None:
    failed = replace(DEGRADED, health="Healthy", operation="Failed", operation_message="PostSync hook failed")
    verdict = decide(failed, now=T0 + timedelta(minutes=12))
    assert (
        verdict.ready
        and "last sync Failed (PostSync hook failed) since 2026-11-23T09:01:00Z" in verdict.reason()
    )


def test_healthy_is_nothing_to_say() -> None:
    verdict = decide(replace(DEGRADED, health="Healthy"))
    assert verdict.failure is None and not verdict.ready and verdict.held == ()


def test_no_rollback_of_a_hand_change_an_older_failure_or_under_a_freeze() -> None:
    by_hand = decide(latest=replace(RELEASE, release=None))
    assert not by_hand.ready and "its last change was made by hand" in by_hand.held[0]
    older = decide(replace(DEGRADED, health_since=T0 - timedelta(minutes=1)))
    assert not older.ready and "not its doing" in older.held[0]
    frozen = decide(frozen="production is frozen until 2026-11-24T00:00:00Z: audit")
    assert not frozen.ready and frozen.held == (
        "not rolled back: production is frozen until 2026-11-24T00:00:00Z: audit",
    )
    unknown = decide(replace(DEGRADED, health_since=None))
    assert not unknown.ready and "does not say since when" in unknown.held[0]


def _rollback() -> Release:
    change = Change(
        "production", "app", "r.example/app", (), "1.1.0", "sha256:" + "b" * 64, "1.0.0", None, ""
    )
    return Release("production", (change,), holds=(("app", "rolled back to x (was 1.1.0)"),))


def test_the_rollback_holds_the_bad_digest_and_a_second_one_is_refused_by_that_hold() -> None:
    verdict = decide()
    held = autorollback.with_holds(_rollback(), verdict)
    ((image, reason),) = held.holds
    assert image == "app"
    assert reason == f"auto-rollback: 1.1.0@sha256:{'b' * 12} rolled back: {verdict.reason()}"
    assert autorollback.held_by(held, {}) is None
    again = autorollback.held_by(held, {"app": str(reason)})
    assert again is not None and "held by an earlier automatic rollback" in again
    human = autorollback.held_by(held, {"app": "do not touch during the audit"})
    assert human == "app is held in production (do not touch during the audit)"


def test_a_failing_metrics_gate_is_a_failure_since_it_fails_and_no_data_never_is() -> None:
    from gitops_bot.gate.metrics import METRICS
    from gitops_bot.gate.reading import GateOutcome, Reading

    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def reading(outcome: GateOutcome, since: datetime | None = None) -> Reading:
        return Reading(
            "error-rate",
            "rate(errors[5m])",
            "< 0.01",
            outcome,
            at,
            "0.3",
            'service="api"',
            since,
            kind=METRICS,
        )

    failure = autorollback.metrics_failure(
        (reading(GateOutcome.PASS), reading(GateOutcome.FAIL, at - timedelta(minutes=12)))
    )
    assert failure is not None and failure.since == at - timedelta(minutes=12)
    assert failure.what == 'metrics gate error-rate failing (rate(errors[5m]): service="api" 0.3, not < 0.01)'
    assert autorollback.metrics_failure((reading(GateOutcome.NO_DATA), reading(GateOutcome.UNKNOWN))) is None
    assert autorollback.metrics_failure(()) is None
