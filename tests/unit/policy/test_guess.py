"""A policy guessed from the tags pinned today: each shape of tag gives the policy that orders
it, and what is written is one the policy reader accepts and that chooses as intended."""

from __future__ import annotations

import re

import pytest

from gitops_bot.policy.guess import guess
from testkit.policies import policy_of


def test_semver_tags_stay_within_the_pinned_major() -> None:
    g = guess(["v1.4.2", "v1.3.0", "v1.4.2"])
    assert g.keys == {"policy": "semver", "range": ">=1.0.0 <2.0.0"}
    assert "major 1" in g.why
    choice = policy_of(dict(g.keys)).choose(["v1.4.2", "v1.5.0", "v2.0.0"], "v1.4.2")
    assert choice.tag == "v1.5.0"


def test_several_majors_keep_the_highest_and_say_so() -> None:
    g = guess(["1.2.0", "2.0.1"])
    assert g.keys["range"] == ">=2.0.0 <3.0.0"
    assert "majors 1, 2" in g.why


def test_a_prerelease_pinned_keeps_prereleases() -> None:
    assert guess(["1.0.0-rc.1"]).keys["prerelease"] is True


@pytest.mark.parametrize("tag", ["latest", "main", "stable"])
def test_a_mutable_tag_is_followed_by_digest(tag: str) -> None:
    assert guess([tag]).keys == {"policy": "digest", "tag": tag}


def test_a_timestamp_orders_by_it() -> None:
    g = guess(["20240131-1542", "20240202-0910"])
    assert g.keys["policy"] == "regex"
    pattern = str(g.keys["pattern"])
    assert re.fullmatch(pattern, "20250101-0000")
    assert not re.fullmatch(pattern, "latest")
    choice = policy_of(dict(g.keys)).choose(["20240131-1542", "20250101-0000", "junk"], "20240131-1542")
    assert choice.tag == "20250101-0000"


def test_a_build_number_beside_a_commit_hash_orders_by_the_number() -> None:
    g = guess(["main-57-3f2a9c1"])
    assert g.keys["policy"] == "regex" and "build number" in g.why
    choice = policy_of(dict(g.keys)).choose(
        ["main-57-3f2a9c1", "main-102-aa0b1c2", "main-9-ffffff1"], "main-57-3f2a9c1"
    )
    assert choice.tag == "main-102-aa0b1c2"


def test_commit_hashes_alone_have_no_order_and_say_it_is_a_weak_guess() -> None:
    g = guess(["efb4e5b", "3f2a9c1"])
    assert g.keys == {"policy": "newest"}
    assert "check this guess" in g.why


def test_no_tag_pinned_follows_latest_and_says_so() -> None:
    g = guess(["", ""])
    assert g.keys == {"policy": "digest", "tag": "latest"}
    assert "no tag is pinned" in g.why


@pytest.mark.parametrize(
    "tag", ["latest-pg17", "stable-alpine", "main-debian", "edge_slim", "latest-alpine3.19"]
)
def test_a_moving_word_with_a_variant_is_a_moving_tag_followed_by_digest(tag: str) -> None:
    """timescale/timescaledb:latest-pg17 names PostgreSQL 17's moving image: read as a build
    number, a plan proposed latest-pg18, a PostgreSQL major upgrade."""
    g = guess([tag])
    assert g.keys == {"policy": "digest", "tag": tag}
    assert "moving tag" in g.why


@pytest.mark.parametrize(
    "tag", ["main-57-3f2a9c1", "main-3f2a9c1", "release-1.2.3", "release-v1.2.3", "dev-build-412"]
)
def test_a_moving_word_before_a_build_or_version_is_no_moving_tag(tag: str) -> None:
    assert guess([tag]).keys["policy"] != "digest"


def test_a_version_with_a_commit_hash_follows_the_newest_build_of_that_version() -> None:
    # argoproj-deployments' CI pins argocd to 3.6.0-<8 hex> several times a day: under semver the
    # hash reads as a Docker variant, so only the pinned tag would ever match
    g = guess(["3.6.0-4d09b7bd"])
    assert g.keys == {"policy": "newest", "pattern": r"^3\.6\.0-[0-9a-f]{8}$"}
    assert "commit hash" in g.why
    tags = ["3.5.2", "3.6.0-d381d5b8", "3.6.0-4d09b7bd", "3.6.0-2a7c1e90", "3.7.0", "latest"]
    assert policy_of(dict(g.keys)).candidates(tags, "3.6.0-4d09b7bd") == [
        "3.6.0-d381d5b8",
        "3.6.0-4d09b7bd",
        "3.6.0-2a7c1e90",
    ]
