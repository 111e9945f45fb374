"""Automatic rollback end to end: a real registry and git remote, the spec-faithful GitHub and
Argo CD servers, a local notification endpoint, and the bot's clock set by the test.

Staging has ``auto_rollback: {after: 10m}``. A promotion the bot made leaves staging Degraded:
before ten minutes nothing happens (the output says until when); after, ``update`` opens the
rollback pull request to the release before, holding the bad digests with a reason naming the
failure, and notifies. A second run proposes nothing new; once the rollback is merged, staging
still Degraded is not rolled back again (the hold is the record)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.hook_server import HookServer
from testkit.markup import shown
from testkit.promotion_world import World, add_files, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, start


def _staging(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "staging"]


def test_a_degraded_release_rolls_back_exactly_once_and_holds_the_bad_digest(
    world: World, hooks: HookServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    audit = f"notifications:\n  - {{name: audit, type: webhook, url: '{hooks.url}/audit'}}\n"
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", audit + "argocd:\n"))
    before = world.overlay("staging")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    bad = world.overlay("staging")
    bad_digest = next(ln.split(": ")[1] for ln in bad.splitlines() if "digest:" in ln)
    (release,) = [e for e in run(capsys, world, "history", "staging")["releases"][:1]]
    hooks.received.clear()
    t0 = start()

    def update(after: timedelta) -> dict[str, Any]:
        at(monkeypatch, t0 + after)
        return run(capsys, world, "update", "--env", "staging")

    world.argocd.apps["app-staging"] = application(
        "app-staging",
        [],
        health="Degraded",
        health_since=rfc3339(t0 + timedelta(minutes=2)),
        health_message="Deployment app exceeded its progress deadline",
        finished=rfc3339(t0 + timedelta(minutes=1)),
    )

    # Degraded for 3 minutes: it waits, and says until when.
    (waits,) = _staging(update(timedelta(minutes=5)))
    assert waits["action"] == "unchanged"
    assert waits["warnings"] == [
        "auto-rollback staging: Degraded (Deployment app exceeded its progress deadline) since "
        f"{rfc3339(t0 + timedelta(minutes=2))}; rolls back at {rfc3339(t0 + timedelta(minutes=12))} "
        "unless it recovers"
    ]
    assert waits["decision"]["until"] == rfc3339(t0 + timedelta(minutes=12))
    assert waits["decision"]["ready"] is False and waits["decision"]["rule"] == "auto_rollback"
    assert world.github.open_pulls() == [] and hooks.received == []

    # Past the grace period: the rollback PR opens, holding what it restores.
    (rolled,) = _staging(update(timedelta(minutes=13)))
    assert rolled["action"] == "pull_request" and rolled["kind"] == "rollback", rolled["warnings"]
    assert rolled["branch"] == "gitops-bot/rollback/staging"
    (pr,) = world.github.open_pulls()
    reason = (
        f"release {release['release']} Degraded (Deployment app exceeded its progress deadline) since "
        f"{rfc3339(t0 + timedelta(minutes=2))}, longer than auto_rollback after 10m"
    )
    assert f"Rolled back automatically: {reason}." in shown(pr["body"])
    assert world.overlay("staging", "gitops-bot/rollback/staging") == before
    holds = world.show("gitops-bot.holds.yaml", "gitops-bot/rollback/staging")
    assert f'  example/app: "auto-rollback: 1.1.0@{bad_digest[:19]} rolled back: {reason}"\n' in holds
    (notice,) = [h.body for h in hooks.received]
    assert notice["event"] == "rolled_back" and notice["environment"] == "staging"
    assert reason in notice["reason"]

    # Again, still Degraded: the same PR, nothing new, no second notice.
    branches = world.branches()
    (again,) = _staging(update(timedelta(minutes=20)))
    assert again["action"] == "unchanged"
    assert world.branches() == branches and len(world.github.pulls) == 2 and len(hooks.received) == 1

    # Merged, and staging still Degraded: never a second rollback (back to the bad release).
    world.merge_only_pr()
    assert world.overlay("staging") == before
    (held,) = _staging(update(timedelta(minutes=40)))
    assert held["action"] == "unchanged"
    assert "not rolled back: example/app is held by an earlier automatic rollback" in held["warnings"][0]
    assert world.overlay("staging") == before and world.github.open_pulls() == []
    assert len(hooks.received) == 1 and world.github.unexpected == []


def test_a_freeze_or_a_release_made_by_hand_is_not_rolled_back_automatically(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    world.argocd.apps["app-staging"] = application(
        "app-staging", [], phase="Failed", message="PostSync hook smoke-test failed", finished=rfc3339(t0)
    )
    at(monkeypatch, t0 + timedelta(minutes=1))
    run(capsys, world, "freeze", "staging", "--until", "2h", "--reason", "incident review")
    world.merge_only_pr()
    at(monkeypatch, t0 + timedelta(minutes=30))
    (frozen,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert frozen["warnings"] == [
        "auto-rollback staging: not rolled back: staging is frozen until "
        f"{rfc3339(t0 + timedelta(hours=2, minutes=1))}: incident review"
    ]
    # a person then changes staging's images by hand: not the bot's release to roll back
    world.hand_commit(
        "overlays/staging/kustomization.yaml", 'newTag: "1.1.0"', 'newTag: "1.1.1"', "staging: app by hand"
    )
    (by_hand,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert by_hand["warnings"] == [
        "auto-rollback staging: staging is last sync Failed (PostSync hook smoke-test failed), "
        "but its last change was made by hand"
    ]
    assert world.github.open_pulls() == [] and world.github.unexpected == []
