"""What a person overrode is read from the bot's own record in the pull request, never from
text the body quotes.

A freeze's reason is a person's free text, and the mark the bot writes on a pull request the
freeze holds back quotes it. A freeze whose reason says "freeze overridden" (or "gate
overridden") must not read, on the next run, as the person's ``--force --reason``:

- a person's rollback of staging (Argo CD gating staging, ``auto_rollback`` configured, the
  application Healthy), then a freeze of staging with such a reason: four ``update`` runs inside
  the freeze, and after each the pull request is marked, once, with its auto-merge off (the
  forge must not merge it inside the freeze);
- the same for a person's promotion of staging to production and a freeze of production;
- the person then decides on the freeze (``--force --reason``): that override is still read,
  the mark goes, auto-merge is requested again, and the runs after leave it so.

The update example on GitHub and on GitLab: the real registry and git remote, each forge's
spec-held fake and Argo CD's, the bot's clock set by the test."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run
from testkit.marked_story import (
    AUTO_ROLLBACK,
    ROLLBACK,
    freeze,
    gated,
    open_request,
    released,
    results,
    warnings,
    with_production,
)
from testkit.markup import shown
from testkit.soak_clock import rfc3339, start

PROMOTION = "gitops-bot/promotion/production"
# a freeze's reason naming both overrides the bot once searched the whole body for
WHY = "release audit: no deploys unless freeze overridden by SRE (gate overridden too)"


@pytest.fixture
def story(argocd: FakeArgoCD, forge_story: Story) -> Story:
    """The update example, staging gated by Argo CD's app-staging and rolled back on its own
    after ten minutes failing."""
    gated(forge_story, argocd, AUTO_ROLLBACK)
    return forge_story


@pytest.fixture
def promoting(forge_story: Story) -> Story:
    """The update example with production promoted from staging (no automatic rule, no Argo
    CD)."""
    with_production(forge_story)
    return forge_story


def _stays_marked(
    story: Story, capsys: pytest.CaptureFixture[str], env: str, head: str, at: datetime
) -> dict[str, Any]:
    """Four ``update`` runs inside the freeze: after each the pull request on ``head`` is
    marked once, quoting the freeze's reason, with auto-merge off; the first run marks it and
    the others change nothing."""
    seen = []
    for i in range(4):
        done = results(run(capsys, story, at + timedelta(minutes=i), "update", "--env", env), env)
        pr = open_request(story, head)
        said = warnings(done)
        assert pr["body"].count(STALE_MARK) == 1, (i, pr["body"])
        assert "freeze overridden by SRE" in shown(pr["body"]), pr["body"]
        assert pr["auto_merge"] is None, (i, said)
        assert not any("the mark is lifted" in w for w in said), (i, said)
        seen.append(pr)
    assert seen[1:] == seen[:-1][:1] * 3, "the runs after the first change nothing"
    return seen[-1]


def _decided(
    story: Story, capsys: pytest.CaptureFixture[str], env: str, head: str, at: datetime, *forced: str
) -> None:
    """The person decides on the freeze (``forced``: the command with ``--force --reason``):
    the override is read by every run after, which leave the pull request unmarked with
    auto-merge requested."""
    run(capsys, story, at, *forced)
    decided = open_request(story, head)
    assert STALE_MARK not in decided["body"] and decided["auto_merge"] == "squash"
    for i in range(2):
        out = results(run(capsys, story, at + timedelta(minutes=i), "update", "--env", env), env)
        assert not any("mark" in w for w in warnings(out)), out
        assert open_request(story, head) == decided


def test_a_freeze_reason_naming_the_override_keeps_a_persons_rollback_marked(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = start()
    images = released(story, capsys, t0)
    argocd.apps["app-staging"] = application(
        "app-staging", images, health="Healthy", finished=rfc3339(t0 + timedelta(minutes=1))
    )
    run(capsys, story, t0 + timedelta(minutes=3), "rollback", "staging")
    mine = open_request(story, ROLLBACK)
    assert mine["auto_merge"] == "squash"
    freeze(story, capsys, "staging", t0 + timedelta(minutes=6), rfc3339(t0 + timedelta(days=2)), WHY)

    marked = _stays_marked(story, capsys, "staging", ROLLBACK, t0 + timedelta(minutes=7))
    assert marked["number"] == mine["number"]

    why = ("rollback", "staging", "--force", "--reason", "the outage outweighs it")
    _decided(story, capsys, "staging", ROLLBACK, t0 + timedelta(minutes=20), *why)
    assert story.unexpected() == []


def test_a_freeze_reason_naming_the_override_keeps_a_persons_promotion_marked(
    promoting: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story, t0 = promoting, start()
    released(story, capsys, t0)
    run(capsys, story, t0 + timedelta(minutes=1), "promote", "staging", "production")
    mine = open_request(story, PROMOTION)
    assert mine["auto_merge"] == "squash"
    freeze(story, capsys, "production", t0 + timedelta(minutes=2), rfc3339(t0 + timedelta(days=2)), WHY)

    marked = _stays_marked(story, capsys, "production", PROMOTION, t0 + timedelta(minutes=3))
    assert marked["number"] == mine["number"]

    why = ("promote", "staging", "production", "--force", "--reason", "the fix must ship")
    _decided(story, capsys, "production", PROMOTION, t0 + timedelta(minutes=20), *why)
    assert story.unexpected() == []
