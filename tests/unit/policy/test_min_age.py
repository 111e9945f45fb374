"""min_age: which candidate is proposed when the newest ones are too young, and how few ages
are read to decide it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.core.model import AgeSource, ImageAge, Strategy
from gitops_bot.policy import Policy
from gitops_bot.policy.age import MAX_LOOKUPS, ForgeClock, old_enough, trusted
from gitops_bot.policy.settings import PolicyConfig
from testkit.ages import Asked

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ages(**minutes_ago: int | None) -> dict[str, ImageAge]:
    """v1_2 -> tag 1.2, its image created that many minutes before NOW (None: unknown)."""
    return {
        tag[1:].replace("_", "."): ImageAge(
            f"sha256:{i:064x}",
            None if m is None else NOW - timedelta(minutes=m),
            AgeSource.NONE if m is None else AgeSource.CONFIG,
        )
        for i, (tag, m) in enumerate(minutes_ago.items(), start=1)
    }


def test_newest_old_enough_candidate_is_proposed_and_reading_stops_there() -> None:
    known = ages(v1_3_0=10, v1_2_0=90, v1_1_0=300, v1_0_0=900)
    age_of = Asked(known)
    verdict = old_enough(["1.3.0", "1.2.0", "1.1.0", "1.0.0"], age_of, HOUR, NOW, known["1.0.0"].digest)
    assert (verdict.tag, verdict.digest) == ("1.2.0", known["1.2.0"].digest)
    assert age_of.asked == ["1.3.0", "1.2.0"]
    assert verdict.waiting is not None and verdict.waiting.tag == "1.3.0"
    assert verdict.waiting.until == NOW - timedelta(minutes=10) + HOUR
    assert verdict.waiting.describe() == "1.3.0 waiting until 2026-03-01T12:50:00Z (min_age 1h)"


def test_candidate_old_enough_is_proposed_with_nothing_waiting() -> None:
    known = ages(v2=61, v1=900)
    verdict = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest)
    assert verdict.tag == "2" and verdict.waiting is None


def test_exactly_min_age_old_is_old_enough() -> None:
    known = ages(v2=60, v1=900)
    assert old_enough(["2", "1"], Asked(known), HOUR, NOW, None).tag == "2"


def test_when_only_too_young_images_are_newer_the_deployed_one_stays_and_the_newest_waits() -> None:
    known = ages(v3=5, v2=30, v1=900)
    verdict = old_enough(["3", "2", "1"], Asked(known), HOUR, NOW, known["1"].digest)
    assert verdict.tag is None and verdict.digest is None
    assert verdict.waiting is not None and verdict.waiting.tag == "3"


def test_an_image_without_creation_time_is_never_proposed_while_min_age_is_set() -> None:
    known = ages(v2=None, v1=900)
    verdict = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest)
    assert verdict.tag is None
    assert verdict.waiting is not None and verdict.waiting.until is None
    assert "has no creation time" in verdict.waiting.describe()


def test_a_repushed_deployed_tag_waits_like_any_new_image() -> None:
    """The deployed tag's image changed (pushed again) 5 minutes ago: not taken yet."""
    known = ages(v1=5)
    verdict = old_enough(["1"], Asked(known), HOUR, NOW, "sha256:" + "f" * 64)
    assert verdict.tag is None and verdict.waiting is not None and verdict.waiting.tag == "1"


def test_reading_stops_after_a_bounded_number_of_candidates() -> None:
    known = {str(i): ImageAge(f"sha256:{i:064x}", NOW, AgeSource.CONFIG) for i in range(50)}
    age_of = Asked(known)
    verdict = old_enough([str(i) for i in range(50)], age_of, HOUR, NOW, None)
    assert verdict.tag is None and len(age_of.asked) == MAX_LOOKUPS


@pytest.mark.parametrize(
    ("config", "tags", "current", "chosen", "expected"),
    [
        (
            PolicyConfig(),
            ["1.0.0", "1.3.0", "1.1.0", "1.2.0", "0.9.0"],
            "1.1.0",
            "1.3.0",
            ["1.3.0", "1.2.0", "1.1.0"],
        ),
        (PolicyConfig(), ["1.0.0", "1.3.0"], "1.0.5", "1.3.0", ["1.3.0"]),
        (PolicyConfig(range="<2"), ["1.3.0", "2.0.0", "1.2.0"], "1.2.0", "1.3.0", ["1.3.0", "1.2.0"]),
        (PolicyConfig(Strategy.DIGEST, tag="stable"), ["stable", "x"], "stable", "stable", ["stable"]),
        (PolicyConfig(Strategy.NUMERICAL), ["3", "10", "2"], "2", "10", ["10", "3", "2"]),
    ],
)
def test_fallback_candidates_run_best_first_down_to_the_deployed_tag(
    config: PolicyConfig, tags: list[str], current: str, chosen: str, expected: list[str]
) -> None:
    assert Policy(config).newer_first(tags, current, chosen) == expected


def test_newest_policy_falls_back_by_created_time() -> None:
    created = {"b": NOW - HOUR, "a": NOW - 3 * HOUR, "c": NOW}
    order = Policy(PolicyConfig(Strategy.NEWEST)).newer_first(["a", "b", "c"], "a", "c", created)
    assert order == ["c", "b", "a"]


def _image(created: datetime | None) -> ImageAge:
    return ImageAge("sha256:" + "e" * 64, created, AgeSource.CONFIG if created else AgeSource.NONE)


_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_PUSHED = _NOW - timedelta(minutes=1)


@pytest.mark.parametrize(
    ("created", "pushed", "time", "decided_by", "ignored"),
    [
        # a reproducible build's date: the registry's push decides, and the date is reported
        (datetime(1970, 1, 1, tzinfo=UTC), _PUSHED, _PUSHED, "GitHub Packages push time", True),
        (datetime(1980, 1, 1, tzinfo=UTC), _PUSHED, _PUSHED, "GitHub Packages push time", True),
        # built yesterday, pushed a minute ago: the push (older images are never older than it)
        (_NOW - timedelta(days=1), _PUSHED, _PUSHED, "GitHub Packages push time", False),
        # built after the push it is listed under (re-pushed tag): younger wins
        (_NOW - timedelta(seconds=5), _PUSHED, _NOW - timedelta(seconds=5), "", False),
        # a creation time in the future is no age at all
        (_NOW + timedelta(days=3), None, None, "", True),
        (datetime(1970, 1, 1, tzinfo=UTC), None, None, "", True),
        # no push time, a plausible creation time: as before
        (_NOW - timedelta(days=1), None, _NOW - timedelta(days=1), "", False),
    ],
)
def test_the_trusted_age_is_the_push_and_the_images_own_time_only_makes_it_younger(
    created: datetime | None, pushed: datetime | None, time: datetime | None, decided_by: str, ignored: bool
) -> None:
    age = trusted(_image(created), pushed, "GitHub Packages push time", _NOW)
    assert age.created == time
    assert age.decided_by == decided_by
    assert bool(age.ignored) is ignored
    assert (age.source is AgeSource.REGISTRY) is bool(decided_by)


def test_a_push_time_before_containers_existed_or_ahead_of_now_is_no_push_time() -> None:
    """An API answering the epoch (Rekor v2's 0, a Quay start_ts of 1) ages nothing."""
    for pushed in (datetime(1970, 1, 1, tzinfo=UTC), _NOW + timedelta(days=1)):
        age = trusted(_image(datetime(1970, 1, 1, tzinfo=UTC)), pushed, "Quay push time", _NOW)
        assert age.created is None and age.decided_by == "" and age.ignored


@pytest.mark.parametrize(
    "pushed",
    [_NOW + timedelta(minutes=30), datetime(1970, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC)],
)
def test_an_implausible_push_time_makes_the_image_wait_never_hands_back_to_its_creation_time(
    pushed: datetime,
) -> None:
    """A Harbor whose clock runs 30 minutes ahead: its push time is no age, and the image's
    own creation date (which the publisher writes) does not decide in its place."""
    age = trusted(_image(_NOW - timedelta(days=30)), pushed, "Harbor push time", _NOW)
    assert age.created is None and age.source is AgeSource.NONE
    assert "Harbor push time" in age.ignored and "not plausible" in age.ignored


UNREAD = "GitHub Packages: answered HTTP 503 for package acme/app"


def test_an_unread_push_time_leaves_the_age_unknown_and_nothing_further_down_decides() -> None:
    """The push-time API could not be read for 1.3.0, whose own time says it is old: neither
    that time (its publisher's) nor the older 1.2.0 decides; the walk stops, saying why."""
    known = ages(v1_3_0=900, v1_2_0=900, v1_0_0=2000)
    known["1.3.0"] = replace(known["1.3.0"], unread=UNREAD)
    age_of = Asked(known)
    verdict = old_enough(["1.3.0", "1.2.0", "1.0.0"], age_of, HOUR, NOW, known["1.0.0"].digest)
    assert verdict.tag is None and age_of.asked == ["1.3.0"]
    assert verdict.waiting is not None and verdict.waiting.until is None
    assert verdict.waiting.unread == f"push time could not be read: {UNREAD}"
    assert verdict.waiting.describe() == f"1.3.0's push time could not be read: {UNREAD} (min_age 1h)"
    assert verdict.waiting.to_json()["unread"] == verdict.waiting.unread


def test_an_unread_push_time_of_an_image_its_own_time_shows_too_young_is_a_plain_wait() -> None:
    """By commit, its own creation time only ever makes it younger: too young by it is too
    young whatever the push time says, and the older image that is old enough is proposed."""
    known = ages(v1_3_0=10, v1_2_0=900, v1_0_0=2000)
    known["1.3.0"] = replace(known["1.3.0"], unread=UNREAD)
    verdict = old_enough(["1.3.0", "1.2.0", "1.0.0"], Asked(known), HOUR, NOW, known["1.0.0"].digest)
    assert verdict.tag == "1.2.0" and verdict.waiting is not None and not verdict.waiting.unread


def test_a_forge_that_could_not_be_read_leaves_a_forge_aged_image_unknown() -> None:
    known = ages(v2=10, v1=2000)
    forge = ForgeClock({}, read=False, unread="GitHub: listing pull requests refused (HTTP 403)")
    verdict = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest, forge)
    assert verdict.tag is None and verdict.waiting is not None
    assert verdict.waiting.unread.startswith(
        "first sighting, which its pull request records, could not be read"
    )
