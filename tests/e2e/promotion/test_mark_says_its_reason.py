"""A person's promotion marked for one reason, then held back for another, is marked for the
new reason alone: production's promotion is marked "gitops-bot no longer stands behind this:
... Degraded" while staging is Degraded; staging recovers and a person holds production's
image, and the mark then says the hold, once, and no longer the Degraded source, so no
reviewer reads a reason that no longer holds. The dry run says the step the run executes and
writes nothing; a second run changes nothing.

The update example with production promoted from staging, on GitHub and on GitLab: the real
registry and git remote, each forge's spec-held fake and Argo CD's, the bot's clock set by the
test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run
from testkit.marked_story import (
    gated,
    open_request,
    released,
    request_noun,
    results,
    steps,
    warnings,
    with_production,
)
from testkit.markup import shown

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PROMOTION = "gitops-bot/promotion/production"
HELD = "production:\n  example/app: load test running\n"


@pytest.fixture
def story(argocd: FakeArgoCD, forge_story: Story) -> Story:
    """The update example, production promoted from staging and staging gated by Argo CD's
    app-staging."""
    with_production(forge_story)
    gated(forge_story, argocd)
    return forge_story


def test_a_mark_whose_reason_changed_says_the_new_reason_alone(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    images = released(story, capsys, NOW)
    argocd.apps["app-staging"] = application("app-staging", images)
    run(capsys, story, NOW, "promote", "staging", "production")
    mine = open_request(story, PROMOTION)

    argocd.apps["app-staging"] = application("app-staging", images, health="Degraded")
    run(capsys, story, NOW, "update", "--env", "production")
    marked = open_request(story, PROMOTION)
    assert marked["body"].count(STALE_MARK) == 1 and "Degraded" in shown(marked["body"])

    # staging recovers, and a person holds production's image: the mark says the hold alone
    argocd.apps["app-staging"] = application("app-staging", images)
    story.commit({"gitops-bot.holds.yaml": lambda _: HELD})
    dry = results(run(capsys, story, NOW, "update", "--env", "production", "--dry-run"), "production")
    said = warnings(dry)
    assert any(w.startswith(f"would mark {request_noun(story)} #{mine['number']}: ") for w in said), said
    (step,) = steps(dry)
    assert step["action"] == "update" and step["body"].count(STALE_MARK) == 1
    assert open_request(story, PROMOTION) == marked  # the dry run wrote nothing

    done = results(run(capsys, story, NOW, "update", "--env", "production"), "production")
    assert steps(done) == [step]
    remarked = open_request(story, PROMOTION)
    assert remarked["number"] == mine["number"] and remarked["body"].count(STALE_MARK) == 1
    assert "load test running" in shown(remarked["body"]) and "Degraded" not in shown(remarked["body"])
    assert remarked["body"].split(STALE_MARK)[0] == marked["body"].split(STALE_MARK)[0]

    again = results(run(capsys, story, NOW, "update", "--env", "production"), "production")
    assert all(r["action"] == "unchanged" for r in again), again
    assert open_request(story, PROMOTION) == remarked
    assert story.unexpected() == []
