"""A person's rollback pull request follows the decision the chain makes for a person's
rollback, and no other: staging goes Degraded, a person runs ``gitops-bot rollback staging``
before ``auto_rollback``'s grace is over; staging recovers, and the next ``update`` leaves the
pull request as it is (not marked "no longer failing": that is the automatic rollback's
premise, and the chain judges a person's rollback by the freeze alone, see
test_rollback_follows_freeze.py), its auto-merge requested whatever the window (a rollback is
a safety action). Staging fails again: still nothing said of it. Still failing past the grace,
the automatic rollback takes the pull request over in place. Each run's dry run first; a
second run changes nothing.

The update example on GitHub and on GitLab: the real registry and git remote, each forge's
spec-held fake and Argo CD's, the bot's clock set by the test."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run
from testkit.marked_story import AUTO_ROLLBACK, ROLLBACK, gated, open_request, released, results, warnings
from testkit.markup import shown
from testkit.soak_clock import rfc3339, start


@pytest.fixture
def story(argocd: FakeArgoCD, forge_story: Story) -> Story:
    """The update example, staging gated by Argo CD's app-staging and rolled back on its own
    after ten minutes failing."""
    gated(forge_story, argocd, AUTO_ROLLBACK)
    return forge_story


def test_a_persons_rollback_is_not_marked_when_staging_recovers_and_the_rule_takes_it_over(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = start()
    images = released(story, capsys, t0)

    def staging(health: str, since: timedelta) -> None:
        argocd.apps["app-staging"] = application(
            "app-staging",
            images,
            health=health,
            health_since=rfc3339(t0 + since),
            finished=rfc3339(t0 + timedelta(minutes=1)),
        )

    # staging fails after the release; a person rolls it back before the rule would
    staging("Degraded", timedelta(minutes=2))
    run(capsys, story, t0 + timedelta(minutes=4), "rollback", "staging")
    mine = open_request(story, ROLLBACK)
    assert STALE_MARK not in mine["body"] and mine["auto_merge"] == "squash"

    # staging recovers: the chain judges a person's rollback by the freeze alone, and holds
    # nothing against it; "no longer failing" is the automatic rollback's premise, not theirs.
    # Neither the dry run nor the run marks it, and its auto-merge stays requested
    staging("Healthy", timedelta(minutes=6))
    at = t0 + timedelta(minutes=7)
    for args in (("--dry-run",), (), ()):
        out = results(run(capsys, story, at, "update", "--env", "staging", *args), "staging")
        assert not any("mark" in w for w in warnings(out)), out
        assert open_request(story, ROLLBACK) == mine

    # staging fails again, within the grace: still nothing to say of the person's rollback
    staging("Degraded", timedelta(minutes=8))
    at = t0 + timedelta(minutes=10)
    for args in (("--dry-run",), ()):
        out = results(run(capsys, story, at, "update", "--env", "staging", *args), "staging")
        assert not any("mark" in w for w in warnings(out)), out
        assert open_request(story, ROLLBACK) == mine

    # still failing past the grace: the automatic rollback is due, on the same branch; it
    # takes the pull request over in place, its own body saying why it is open
    late = results(run(capsys, story, t0 + timedelta(minutes=19), "update", "--env", "staging"), "staging")
    assert [r["kind"] for r in late if r["action"] == "pull_request"] == ["rollback"]
    taken = open_request(story, ROLLBACK)
    assert taken["number"] == mine["number"] and STALE_MARK not in taken["body"]
    assert taken["auto_merge"] == "squash"  # a rollback waits for no window
    assert "Rolled back automatically: release " in shown(taken["body"])
    assert story.unexpected() == []
