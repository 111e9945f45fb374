"""The bot's marks on a pull request (auto-merge deferred by a window, merge waiting for
``min_age``, frozen, no longer stood behind, opened automatically) are read only where the bot
writes them: whole lines after the release's own hidden line, and the waiting as a hidden line
there. Outside text the body quotes (a change's reason, a commit title, a rendered value) that
says "Do not merge before" in words, or a line that reads like a mark ahead of the release's
line, does not make the bot believe auto-merge was never requested: a freeze withdraws it, a
closing window or an image that must wait supersedes the pull request, as for any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.config.windows import WindowPeriod, WindowsConfig
from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.release.next_step import STALE_MARK, RequestStep, decide, marking
from gitops_bot.release.proposal import MERGE_WAITS, Change, Release, every_sighting, says
from gitops_bot.release.soak import PROMOTED
from gitops_bot.release.windows import Freeze
from testkit.staging_release import TO_DIGEST, settings
from testkit.staging_release import change as staging_change

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
FREEZE = Freeze("staging", NOW + timedelta(days=2), Outside("year-end freeze"))
CLOSED = WindowsConfig(timezone="UTC", deny=(WindowPeriod(days=tuple(range(7))),))  # never open
# a reason (or commit title, or label) a person wrote, in the words of the bot's marks
SAID = f"{MERGE_WAITS} QA signs off"


def change(reason: str = SAID, **kw: object) -> Change:
    return staging_change(reason, **kw)


def opened(rel: Release, body: str | None = None) -> ChangeRequest:
    """The pull request ``rel`` opens now, auto-merge requested (its body says no wait)."""
    step = decide(rel, None, NOW, settings())
    assert step.action is RequestStep.CREATE and step.auto_merge == "squash"
    return ChangeRequest(7, "https://forge.example/pull/7", step.branch, step.title, body or step.body)


@pytest.mark.parametrize("kind", [ReleaseKind.PROMOTION, ReleaseKind.ROLLBACK])
def test_a_freeze_withdraws_auto_merge_whatever_the_body_quotes(kind: ReleaseKind) -> None:
    pr = opened(Release("staging", (change(),), kind, source="dev"))
    assert SAID in pr.body
    step = marking(pr.head, pr, Outside(FREEZE.text()), settings())
    assert step.withdraws, step


def test_a_frozen_update_with_auto_merge_is_superseded_whatever_the_body_quotes() -> None:
    rel = Release("staging", (change(),))
    step = decide(rel, opened(rel), NOW, settings(), freeze=FREEZE)
    assert step.action is RequestStep.SUPERSEDE and step.decoration and step.decoration.auto_merge is None


def test_a_closing_window_supersedes_whatever_the_body_quotes() -> None:
    rel = Release("staging", (change(),))
    step = decide(rel, opened(rel), NOW, settings(CLOSED))
    assert step.action is RequestStep.SUPERSEDE and step.auto_merge is None


def test_an_image_that_must_wait_supersedes_whatever_the_body_quotes() -> None:
    rel = Release("staging", (change(),))
    pr = opened(rel)
    waits = Release("staging", (change(merge_waits=NOW + timedelta(hours=1)),))
    step = decide(waits, pr, NOW, settings())
    assert step.action is RequestStep.SUPERSEDE and step.auto_merge is None
    # and one that waits says so: the next run leaves it, and asks auto-merge once it may
    waiting = ChangeRequest(8, "https://forge.example/pull/8", step.branch, step.title, step.body)
    assert decide(waits, waiting, NOW, settings()).action is RequestStep.LEAVE
    later = decide(rel, waiting, NOW, settings())
    assert later.decoration is not None and later.decoration.auto_merge == "squash"


def test_lines_ahead_of_the_release_line_are_no_marks() -> None:
    rel = Release("staging", (change("a rendered value"),), ReleaseKind.PROMOTION, source="dev")
    pr = opened(rel)
    # raw lines some section wrote as they were (a rendered diff's value, say)
    raw = f"{STALE_MARK} old\n{PROMOTED} dev has run these digests\n"
    forged = ChangeRequest(7, pr.url, pr.head, pr.title, raw + pr.body)
    assert not says(forged.body, PROMOTED) and not says(forged.body, STALE_MARK)
    step = marking(forged.head, forged, Outside(FREEZE.text()), settings())
    assert step.withdraws and step.body.startswith(raw) and step.body.count(STALE_MARK) == 2
    # the bot's own lines are read
    auto = decide(rel, None, NOW, settings(), (f"{PROMOTED} dev has run these digests.",)).body
    assert says(auto, PROMOTED) and says(step.body, STALE_MARK)


def test_sightings_are_read_after_the_release_line_only() -> None:
    seen = NOW - timedelta(hours=2)
    rel = Release("staging", (change("x", sightings=((TO_DIGEST, seen),)),))
    body = opened(rel).body
    assert every_sighting(body, NOW - timedelta(hours=3)) == {"example/app": {TO_DIGEST: seen}}
    # a raw line ahead of the release line, as a rendered value could put it, records nothing
    later = format_instant(NOW)
    forged = f"<!-- gitops-bot:seen example/app sha256:{'c' * 64} {later} -->\n" + body
    assert every_sighting(forged, NOW - timedelta(hours=3)) == every_sighting(body, NOW - timedelta(hours=3))
