"""A policy and the tags pinned today: the guessed policy always admits the pin it was guessed
from (a prerelease included), a pin outside a policy is said as such, two tags are ranked by
the policy's order even where its range leaves them out (what ranks a person's change), and a
moving tag is never proposed as a release by a policy that orders tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitops_bot.policy import MUTABLE
from gitops_bot.policy.guess import guess
from testkit.policies import policy_of


@pytest.mark.parametrize(
    "pinned",
    [
        ["v1.0.0-rc.5"],
        ["v1.0.0-rc.5", "v1.0.0-rc.4"],
        ["0.1.0-alpha.1"],
        ["v2.0.0-beta.3", "v2.1.0"],
        ["1.4.2"],
        ["3.2"],
        ["20240131-1542"],
        ["main-57-3f2a9c1", "main-102-aa0b1c2"],
        ["efb4e5b", "3f2a9c1"],
    ],
)
def test_the_guess_admits_every_tag_it_was_guessed_from(pinned: list[str]) -> None:
    """Under npm/Masterminds rules 1.0.0-rc.5 < 1.0.0: a range from 1.0.0 would leave the pin
    itself out, and the plan could then neither keep it nor rank what a person did to it."""
    policy = policy_of(dict(guess(pinned).keys))
    assert [t for t in pinned if policy.outside(t)] == []


def test_a_prerelease_guess_stays_within_the_major_and_moves_on_to_its_release() -> None:
    g = guess(["v1.0.0-rc.5"])
    assert g.keys["range"] == ">=1.0.0-0 <2.0.0" and g.keys["prerelease"] is True
    tags = ["v1.0.0-rc.1", "v1.0.0-rc.5", "v1.0.0", "v1.4.1", "v2.0.0-rc.1", "v2.0.0"]
    assert policy_of(dict(g.keys)).choose(tags, "v1.0.0-rc.5").tag == "v1.4.1"


def test_a_pin_outside_the_range_is_said_with_the_range_to_widen() -> None:
    policy = policy_of({"policy": "semver", "range": ">=1.0.0 <2.0.0", "prerelease": True})
    said = policy.outside("v1.0.0-rc.5")
    assert said == "pinned v1.0.0-rc.5 is outside range >=1.0.0 <2.0.0: widen the range"
    assert policy.outside("v1.2.0") == ""
    # the choice over it says so too, whatever it chooses
    assert said in policy.choose(["v1.0.0-rc.5"], "v1.0.0-rc.5").reason
    assert said in policy.choose(["v1.0.0-rc.5", "v1.4.1"], "v1.0.0-rc.5").reason


def test_a_prerelease_pin_the_policy_leaves_out_names_the_setting() -> None:
    policy = policy_of({"policy": "semver", "range": ">=1.0.0-0 <2.0.0"})
    assert policy.outside("v1.0.0-rc.5") == (
        "pinned v1.0.0-rc.5 is a prerelease, which the policy leaves out: set prerelease: true"
    )


@pytest.mark.parametrize(
    ("new", "old", "below"),
    [
        ("v1.0.0-rc.5", "v1.0.0-rc.1", False),  # both outside >=1.0.0: still ordered
        ("v1.0.0-rc.1", "v1.0.0-rc.5", True),
        ("v0.9.0", "v1.2.0", True),  # back out of the range
        ("v1.2.0", "v1.2.0", None),  # the same tag: the tags do not say
        ("latest", "v1.2.0", None),  # not a version: the tags do not say
    ],
)
def test_two_tags_are_ranked_by_the_order_whatever_the_range(new: str, old: str, below: bool | None) -> None:
    policy = policy_of({"policy": "semver", "range": ">=1.0.0 <2.0.0"})
    assert policy.older(new, old) is below


def test_a_policy_following_one_tag_or_needing_times_ranks_nothing() -> None:
    assert policy_of({"policy": "digest", "tag": "latest"}).older("a", "b") is None
    assert policy_of({"policy": "newest"}).older("b8a2b2a-1", "f08be80-2") is None


CREATED = {
    "b8a2b2a-4074585724": datetime(2026, 1, 1, tzinfo=UTC),
    "f08be80-110331912": datetime(2026, 2, 1, tzinfo=UTC),
    "latest": datetime(2026, 3, 1, tzinfo=UTC),
    "main": datetime(2026, 3, 2, tzinfo=UTC),
}


@pytest.mark.parametrize(
    "keys",
    [
        {"policy": "newest"},
        {"policy": "alphabetical"},
        {"policy": "regex", "pattern": "^(?P<n>.*)$", "extract": "n", "order": "alphabetical"},
    ],
    ids=["newest", "alphabetical", "regex"],
)
def test_a_moving_tag_is_never_proposed_by_a_policy_ordering_tags(keys: dict[str, object]) -> None:
    choice = policy_of(keys).choose(list(CREATED), "b8a2b2a-4074585724", CREATED)
    assert choice.tag == "f08be80-110331912", choice


def test_a_moving_tag_the_policy_names_is_a_candidate() -> None:
    policy = policy_of({"policy": "newest", "allow": ("^main$", "-")})
    assert policy.choose(list(CREATED), "b8a2b2a-4074585724", CREATED).tag == "main"


def test_the_guess_for_unordered_tags_beside_latest_never_proposes_latest() -> None:
    """product-catalog pins client at b8a2b2a-4074585724 in one cluster and latest in another."""
    g = guess(["b8a2b2a-4074585724", "latest"])
    policy = policy_of(dict(g.keys))
    assert policy.choose(list(CREATED), "b8a2b2a-4074585724", CREATED).tag not in MUTABLE


def test_a_moving_tag_pinned_under_an_ordering_policy_says_how_to_follow_it() -> None:
    assert policy_of({"policy": "newest"}).outside("latest") == (
        "pinned latest is a moving tag, which newest never chooses, so a release replaces it with the "
        "version chosen; to keep following it: policy: digest and tag: latest, or name it in allow"
    )


def test_a_pin_semver_cannot_read_says_so() -> None:
    said = policy_of({"policy": "semver", "range": "^1"}).outside("b8a2b2a-4074585724")
    assert said == "pinned b8a2b2a-4074585724 is no version semver reads: choose another policy for it"


def test_a_moving_tag_pinned_beside_versions_leaves_the_guess_to_the_versions() -> None:
    """One cluster on latest, the others on releases: the releases say the policy; latest is
    said, and the policy never proposes it."""
    g = guess(["1.2.0", "latest", "1.3.1"])
    assert g.keys == {"policy": "semver", "range": ">=1.0.0 <2.0.0"}
    assert "latest" in g.why and "moving tag" in g.why


@pytest.mark.parametrize(
    "keys",
    [
        {"policy": "newest"},
        {"policy": "alphabetical"},
        {"policy": "regex", "pattern": r"^(?P<n>[a-z]+-pg\d+)$", "extract": "n", "order": "alphabetical"},
    ],
    ids=["newest", "alphabetical", "regex"],
)
def test_a_moving_tag_with_a_variant_is_never_proposed_by_a_policy_ordering_tags(
    keys: dict[str, object],
) -> None:
    """latest-pg18 is PostgreSQL 18's moving image, not the release after latest-pg17."""
    created = {
        "2.17.2-pg17": datetime(2026, 1, 1, tzinfo=UTC),
        "latest-pg17": datetime(2026, 3, 1, tzinfo=UTC),
        "latest-pg18": datetime(2026, 3, 2, tzinfo=UTC),
    }
    choice = policy_of(keys).choose(list(created), "latest-pg17", created)
    assert choice.tag != "latest-pg18", choice
    assert "moving tag" in policy_of(keys).outside("latest-pg17")


def test_a_moving_tag_with_a_variant_the_pattern_names_is_a_candidate() -> None:
    policy = policy_of(
        {"policy": "regex", "pattern": r"^latest-pg(?P<n>\d+)$", "extract": "n", "order": "numerical"}
    )
    assert policy.choose(["latest-pg17", "latest-pg18"], "latest-pg17").tag == "latest-pg18"


def test_a_pin_the_pattern_leaves_out_is_not_replaced_by_the_line_it_names() -> None:
    """play-builder/argocd-gitops@bc8b1dd2: one entry with pattern ^dev- over dev and prod, as
    init's advice for per-environment builds reads with its second half left out: prod's
    prod-104ecd8 was proposed to become dev-aaaa..., said only as 'widen the policy'."""
    policy = policy_of({"policy": "newest", "pattern": "^dev-"})
    created = {"dev-aaaa": datetime(2026, 1, 2, tzinfo=UTC), "prod-104ecd8": datetime(2026, 1, 1, tzinfo=UTC)}
    choice = policy.choose(["dev-aaaa", "prod-104ecd8"], "prod-104ecd8", created)
    assert choice.tag is None, choice
    assert choice.reason.startswith("pinned prod-104ecd8 does not match pattern ^dev-, so this entry"), choice
    assert policy.choose(
        ["dev-aaaa", "dev-0001"], "dev-0001", created | {"dev-0001": created["prod-104ecd8"]}
    ).tag == ("dev-aaaa")
    allowed = policy_of({"policy": "semver", "allow": [r"^v\d"]})
    assert allowed.choose(["v1.2.0", "1.1.0"], "1.1.0").tag is None
    # a moving tag pinned is where a policy over versions takes over: proposed, and said
    over_latest = policy_of({"policy": "semver", "pattern": r"^\d+\.\d+\.\d+$"}).choose(["1.2.0"], "latest")
    assert over_latest.tag == "1.2.0", over_latest


def test_a_calendar_version_with_git_describes_hash_moves_on_to_the_next_build() -> None:
    """teststuffstash/homelab@5e057c82 (trial16 T1): 2026.8.7-gd6dc9ced82f2, a version and the
    commit git describe names. Each hash read as a variant of its own, so the newer 2026.8.20 build
    was never proposed, against the guess's 'each later one newer'."""
    pinned = ["2026.7.25-g141235c93140", "2026.8.7-gd6dc9ced82f2"]
    policy = policy_of(dict(guess(pinned).keys))
    tags = [*pinned, "2026.8.20-g0123456789ab", "2026.8.20-2-gfedcba98765"]
    assert policy.choose(tags, "2026.8.7-gd6dc9ced82f2").tag in tags[2:]
