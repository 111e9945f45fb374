"""Argo CD answers shaped to make the soak start earlier than it did: a history not in the
order the controller keeps it, instants with offsets, entries without an instant. The soak's
start must never be earlier than the newest deployment the answer records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.gate.argocd import read_live
from gitops_bot.release import soak

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _app(history: list[dict[str, object]]) -> dict[str, object]:
    return {
        "status": {
            "sync": {"status": "Synced"},
            "health": {"status": "Healthy", "lastTransitionTime": "2026-11-23T08:00:00Z"},
            "operationState": {"phase": "Succeeded", "finishedAt": "2026-11-23T08:30:00Z"},
            "reconciledAt": "2026-11-23T20:00:00Z",
            "history": history,
        }
    }


def test_the_newest_deployment_counts_whatever_order_the_history_is_in() -> None:
    newest_first = [
        {"id": 3, "revision": "c" * 40, "deployedAt": "2026-11-23T11:00:00+02:00"},  # 09:00Z
        {"id": 2, "revision": "b" * 40, "deployedAt": "2026-11-23T07:00:00Z"},
        {"id": 1, "revision": "a" * 40},  # no instant
    ]
    live = read_live(_app(newest_first))
    assert live.deployed_at == T0
    decided = soak.decide(
        "staging", "production", timedelta(hours=1), released=None, live=live, now=T0 + timedelta(minutes=30)
    )
    assert not decided.ready and decided.since == T0


def test_in_the_controllers_order_the_last_entry_is_the_newest() -> None:
    oldest_first = [
        {"id": 1, "revision": "a" * 40, "deployedAt": "2026-11-22T09:00:00Z"},
        {"id": 2, "revision": "b" * 40, "deployedAt": "2026-11-23T09:00:00Z"},
    ]
    assert read_live(_app(oldest_first)).deployed_at == T0


def test_a_history_without_instants_falls_back_on_the_last_operation() -> None:
    live = read_live(_app([{"id": 1, "revision": "a" * 40}]))
    assert live.deployed_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def test_an_implausible_instant_counts_as_none_and_the_soak_is_decided_without_overflow() -> None:
    app = _app([{"id": 1, "revision": "a" * 40, "deployedAt": "9999-12-31T23:59:59-14:00"}])
    app["status"]["health"]["lastTransitionTime"] = "9999-12-31T23:59:59Z"  # type: ignore[index]
    live = read_live(app)
    assert live.history[0].deployed_at is None and live.health_since is None
    assert live.deployed_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # as without an instant
    decided = soak.decide("staging", "production", timedelta(days=36500), released=None, live=live, now=T0)
    assert not decided.ready and decided.until is not None
