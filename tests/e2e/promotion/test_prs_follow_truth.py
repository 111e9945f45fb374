"""Open pull requests follow the truth: nothing the bot opened on its own stays open once its
premise is gone, and a person's pull request is marked, never closed.

- An automatic promotion is open when its source turns Degraded: the next run closes it with
  a comment saying why (and deletes its branch), while staging's own rollback waits.
- An automatic rollback is open when the application recovers: the next run closes it.
- A promotion a person opened is open when its source turns Degraded: its body is marked once
  with why, and it stays open.

Over the promotion example: the real registry and git remote, the spec-held GitHub and Argo CD
servers, and the bot's clock set by the test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.markup import shown
from testkit.promotion_world import World, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, start


def _comments(world: World, number: int) -> list[str]:
    (pr,) = [p for p in world.github.pulls if p["number"] == number]
    return list(pr["comments_list"])


def _results(out: dict[str, Any], env: str) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == env]


def test_an_automatic_promotion_whose_source_turns_degraded_is_closed_with_why(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()

    def staging(health: str, since: timedelta) -> None:
        world.argocd.apps["app-staging"] = application(
            "app-staging",
            images,
            health=health,
            health_since=rfc3339(t0 + since),
            finished=rfc3339(t0),
            deployed=(rfc3339(t0),),
            reconciled=rfc3339(t0 + timedelta(hours=2)),
        )

    staging("Healthy", timedelta(minutes=1))
    at(monkeypatch, t0 + timedelta(hours=2))
    opened = _results(run(capsys, world, "update", "--env", "production"), "production")
    assert [r["action"] for r in opened] == ["pull_request"]
    (pr,) = world.github.open_pulls()
    assert "gitops-bot/promotion/production" in world.branches()

    # A dry run says what it would do and does nothing.
    staging("Degraded", timedelta(minutes=110))
    dry = _results(run(capsys, world, "update", "--env", "production", "--dry-run"), "production")
    assert any(
        f"would close pull request #{pr['number']}: staging is not green" in w
        for r in dry
        for w in r["warnings"]
    )
    assert [p["number"] for p in world.github.open_pulls()] == [pr["number"]]

    out = _results(run(capsys, world, "update", "--env", "production"), "production")
    assert "closed" in [r["action"] for r in out]
    assert world.github.open_pulls() == []
    comment = _comments(world, pr["number"])[-1]
    assert comment.startswith("Closed by gitops-bot: **production** is not promoted on its own any more: ")
    assert "staging is not green in Argo CD" in shown(comment) and "Degraded" in comment
    assert "gitops-bot/promotion/production" not in world.branches()

    # Once it is closed, a second run changes nothing.
    again = _results(run(capsys, world, "update", "--env", "production"), "production")
    assert all(r["action"] == "unchanged" for r in again)


def test_a_persons_promotion_is_marked_not_closed_and_a_recovered_rollback_is_closed(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()

    # A person promotes staging to production by hand, before the soak is over.
    world.staging_runs(*images)
    run(capsys, world, "promote", "staging", "production")
    (mine,) = world.github.open_pulls()

    # Staging turns Degraded: the person's PR is marked (once), not closed.
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health="Degraded",
        health_since=rfc3339(t0 + timedelta(minutes=1)),
        finished=rfc3339(t0),
    )
    at(monkeypatch, t0 + timedelta(minutes=5))
    run(capsys, world, "update", "--env", "production")
    run(capsys, world, "update", "--env", "production")
    (still,) = world.github.open_pulls()
    assert still["number"] == mine["number"]
    assert still["body"].count("gitops-bot no longer stands behind this: ") == 1
    assert "staging is not green in Argo CD" in shown(still["body"])
    mine.update(state="closed")  # the person gives up on it

    # Past ten minutes Degraded, staging's rollback opens; staging recovers before it merges:
    # the next run closes it, saying why.
    at(monkeypatch, t0 + timedelta(minutes=12))
    rolled = _results(run(capsys, world, "update", "--env", "staging"), "staging")
    assert [r["kind"] for r in rolled if r["action"] == "pull_request"] == ["rollback"]
    (rollback_pr,) = world.github.open_pulls()
    world.staging_runs(*images)
    at(monkeypatch, t0 + timedelta(minutes=14))
    out = _results(run(capsys, world, "update", "--env", "staging"), "staging")
    assert "closed" in [r["action"] for r in out]
    assert world.github.open_pulls() == []
    closing = _comments(world, rollback_pr["number"])[-1]
    assert closing.startswith("Closed by gitops-bot: **staging** needs no automatic rollback any more: ")
    assert "app-staging is no longer failing in Argo CD" in shown(closing)
