"""An open rollback pull request follows what the one decision says of that rollback, and
nothing else.

A person rolls staging back (``gitops-bot rollback staging``) for a bug Argo CD does not see:
the application stays Healthy throughout. The chain judges a person's rollback by the freeze
alone (``decision.safety``), so:

- (a) Healthy, ``update`` runs: the pull request is not marked, its auto-merge stays requested
  (``auto_rollback``'s "no longer failing" is the automatic rollback's reason, not a person's);
- (b) a freeze arrives: the pull request is marked with the freeze, until when and why, and its
  auto-merge is withdrawn; ``update --dry-run`` says the step the run then executes;
- (c) the freeze is lifted: the mark is lifted, the run says so, and auto-merge is requested
  again (a rollback waits for no window).

An automatic rollback's pull request follows the freeze the same way while its application
still fails. Where staging has no automatic rule (nor Argo CD), a person's rollback is marked by
the freeze all the same, until the person decides on it (``rollback --force --reason``): the
override its body states is weighed by every run after. Each command runs twice: the second run
changes nothing.

The update example on GitHub and on GitLab: the real registry and git remote, each forge's
spec-held fake and Argo CD's, the bot's clock set by the test."""

from __future__ import annotations

from datetime import timedelta

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
    request_noun,
    results,
    steps,
    unfreeze,
    warnings,
)
from testkit.markup import shown
from testkit.soak_clock import rfc3339, start

WHY = "incident review"


@pytest.fixture
def story(argocd: FakeArgoCD, forge_story: Story) -> Story:
    """The update example, staging gated by Argo CD's app-staging and rolled back on its own
    after ten minutes failing."""
    gated(forge_story, argocd, AUTO_ROLLBACK)
    return forge_story


def test_a_persons_rollback_follows_the_freeze_and_not_argo_cds_health(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = start()
    images = released(story, capsys, t0)
    argocd.apps["app-staging"] = application(
        "app-staging", images, health="Healthy", finished=rfc3339(t0 + timedelta(minutes=1))
    )
    noun = request_noun(story)

    # a bug Argo CD does not see: a person rolls staging back while it is Healthy
    run(capsys, story, t0 + timedelta(minutes=3), "rollback", "staging")
    mine = open_request(story, ROLLBACK)
    assert STALE_MARK not in mine["body"] and mine["auto_merge"] == "squash"

    # (a) Healthy: the chain holds nothing against a person's rollback, so nothing marks it
    at = t0 + timedelta(minutes=5)
    for args in (("--dry-run",), (), ()):
        out = results(run(capsys, story, at, "update", "--env", "staging", *args), "staging")
        assert not any("mark" in w for w in warnings(out)), out
        assert open_request(story, ROLLBACK) == mine

    # (b) a freeze arrives: marked with the freeze's reason and until, auto-merge withdrawn
    until = rfc3339(t0 + timedelta(days=2))
    freeze(story, capsys, "staging", t0 + timedelta(minutes=6), until, WHY)
    frozen = f"staging is frozen until {until}: {WHY}"
    at = t0 + timedelta(minutes=7)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    # the chain's refusal of a rollback now, as a person's promotion is marked: until, why, the way out
    said = f"would mark {noun} #{mine['number']}: refused: {frozen}; wait, run 'gitops-bot unfreeze staging'"
    assert any(w.startswith(said) for w in warnings(dry)), dry
    (marking,) = steps(dry)
    assert marking["action"] == "update" and marking["body"].count(STALE_MARK) == 1
    assert marking["auto_merge_withdrawn"] is True
    assert open_request(story, ROLLBACK) == mine  # the dry run wrote nothing
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert steps(done) == [marking]
    marked = open_request(story, ROLLBACK)
    assert marked["number"] == mine["number"] and marked["body"].count(STALE_MARK) == 1
    assert f"{STALE_MARK} refused: {frozen}" in shown(marked["body"])
    assert marked["auto_merge"] is None  # nothing merges it inside the freeze
    again = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert [s["action"] for s in steps(again)] == ["leave"]
    assert open_request(story, ROLLBACK) == marked

    # (c) the freeze is lifted: so is the mark, said, and auto-merge requested again
    unfreeze(story, capsys, "staging", t0 + timedelta(minutes=8))
    at = t0 + timedelta(minutes=9)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    would = [w for w in warnings(dry) if w.startswith("would lift the mark on ")]
    assert would == [f"would lift the mark on {noun} #{mine['number']}: its reason no longer holds"], dry
    (lifting,) = steps(dry)
    assert lifting["action"] == "update" and STALE_MARK not in lifting["body"]
    assert open_request(story, ROLLBACK) == marked  # the dry run wrote nothing
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    lifted_line = f"{noun} #{mine['number']}: the mark is lifted, its reason no longer holds"
    assert any(w.startswith(lifted_line) for w in warnings(done)), done
    assert steps(done) == [lifting]
    lifted = open_request(story, ROLLBACK)
    assert lifted["number"] == mine["number"] and lifted["body"] == mine["body"].rstrip()
    assert lifted["auto_merge"] == "squash"  # a rollback waits for no window
    again = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert not any("mark" in w for w in warnings(again)), again
    assert open_request(story, ROLLBACK) == lifted
    assert story.unexpected() == []


def test_an_automatic_rollback_is_marked_while_frozen_and_lifted_after(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = start()
    images = released(story, capsys, t0)
    argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health="Degraded",
        health_since=rfc3339(t0 + timedelta(minutes=2)),
        finished=rfc3339(t0 + timedelta(minutes=1)),
    )
    noun = request_noun(story)

    # failing past the grace: the automatic rollback opens
    run(capsys, story, t0 + timedelta(minutes=13), "update", "--env", "staging")
    opened = open_request(story, ROLLBACK)
    assert "Rolled back automatically: release " in shown(opened["body"])
    assert opened["auto_merge"] == "squash"

    # a freeze arrives while staging still fails: marked, auto-merge withdrawn, left open
    until = rfc3339(t0 + timedelta(days=2))
    freeze(story, capsys, "staging", t0 + timedelta(minutes=14), until, WHY)
    at = t0 + timedelta(minutes=15)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    frozen = f"staging is frozen until {until}: {WHY}"
    said = f"would mark {noun} #{opened['number']}: refused: {frozen}; "
    assert any(w.startswith(said) for w in warnings(dry)), dry
    assert open_request(story, ROLLBACK) == opened
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert steps(done) == steps(dry)
    marked = open_request(story, ROLLBACK)
    assert marked["number"] == opened["number"] and marked["body"].count(STALE_MARK) == 1
    assert marked["auto_merge"] is None
    run(capsys, story, at, "update", "--env", "staging")
    assert open_request(story, ROLLBACK) == marked

    # the freeze is lifted, staging still fails: the automatic rollback is due again, on the
    # same pull request, its own body saying why it is open and auto-merge requested again
    unfreeze(story, capsys, "staging", t0 + timedelta(minutes=16))
    at = t0 + timedelta(minutes=17)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    assert open_request(story, ROLLBACK) == marked
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert steps(done) == steps(dry)
    back = open_request(story, ROLLBACK)
    assert back["number"] == opened["number"] and back["body"] == opened["body"]
    assert back["auto_merge"] == "squash"
    run(capsys, story, at, "update", "--env", "staging")
    assert open_request(story, ROLLBACK) == back
    assert story.unexpected() == []


def test_a_persons_rollback_follows_the_freeze_without_auto_rollback_until_they_decide_on_it(
    forge_story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    """The update example as it is: staging has no automatic rule and no Argo CD."""
    story, t0 = forge_story, start()
    released(story, capsys, t0)
    noun = request_noun(story)
    run(capsys, story, t0 + timedelta(minutes=1), "rollback", "staging")
    mine = open_request(story, ROLLBACK)

    # a freeze: marked as where auto_rollback is configured (the chain is the same)
    until = rfc3339(t0 + timedelta(days=2))
    freeze(story, capsys, "staging", t0 + timedelta(minutes=2), until, WHY)
    at = t0 + timedelta(minutes=3)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    assert any(w.startswith(f"would mark {noun} #{mine['number']}: refused: ") for w in warnings(dry)), dry
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert steps(done) == steps(dry)
    marked = open_request(story, ROLLBACK)
    assert marked["body"].count(STALE_MARK) == 1 and marked["auto_merge"] is None

    # the person decides on the freeze (--force --reason): their pull request says so, the mark
    # goes with the rollback's own body, and the runs after it weigh that override
    run(capsys, story, at, "rollback", "staging", "--force", "--reason", "the outage outweighs it")
    forced = open_request(story, ROLLBACK)
    assert forced["number"] == mine["number"] and STALE_MARK not in forced["body"]
    assert "freeze overridden (" in shown(forced["body"]) and forced["auto_merge"] == "squash"
    for args in (("--dry-run",), (), ()):
        out = results(run(capsys, story, at, "update", "--env", "staging", *args), "staging")
        assert not any("mark" in w for w in warnings(out)), out
        assert open_request(story, ROLLBACK) == forced
    assert story.unexpected() == []


@pytest.mark.usefixtures("quick_gate_retries")
def test_a_freeze_marks_an_open_rollback_while_argo_cd_cannot_answer(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whether staging fails is not known, so auto_rollback decides nothing; the freeze is
    git's, and holds back the open rollback all the same."""
    t0 = start()
    images = released(story, capsys, t0)
    argocd.apps["app-staging"] = application("app-staging", images, health="Healthy")
    run(capsys, story, t0 + timedelta(minutes=1), "rollback", "staging")
    mine = open_request(story, ROLLBACK)
    freeze(story, capsys, "staging", t0 + timedelta(minutes=2), rfc3339(t0 + timedelta(days=2)), WHY)

    argocd.fail_next = [503] * 1000  # every read, for as long as the test asks
    at = t0 + timedelta(minutes=3)
    dry = results(run(capsys, story, at, "update", "--env", "staging", "--dry-run"), "staging")
    said = warnings(dry)
    assert any(w.startswith("auto-rollback staging: not decided: Argo CD at ") for w in said), said
    assert any(
        w.startswith(f"would mark {request_noun(story)} #{mine['number']}: refused: ") for w in said
    ), said
    done = results(run(capsys, story, at, "update", "--env", "staging"), "staging")
    assert steps(done) == steps(dry)
    marked = open_request(story, ROLLBACK)
    assert marked["body"].count(STALE_MARK) == 1 and marked["auto_merge"] is None
    run(capsys, story, at, "update", "--env", "staging")
    assert open_request(story, ROLLBACK) == marked
    assert story.unexpected() == []
