"""Tag policies are pure: tags in, a choice and a reason out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from semver import Version

from gitops_bot.config import PolicyConfig
from gitops_bot.core.instants import format_instant, parse_instant
from gitops_bot.core.model import Strategy, TagOrder
from gitops_bot.policy import Policy
from gitops_bot.policy.ranges import parse_range
from gitops_bot.policy.semver import parse_tag

TAGS = ["1.0.0", "1.2.0", "v1.3.1", "1.4.0-rc.1", "1.9.9", "2.0.0", "2.1.0-beta", "latest", "main-abc"]


@pytest.mark.parametrize(
    ("rng", "version", "inside"),
    [
        (">=1.2 <2", "1.2.0", True),
        (">=1.2 <2", "1.99.0", True),
        (">=1.2 <2", "2.0.0", False),
        (">=1.2 <2", "2.0.0-rc.1", False),  # npm's <2.0.0-0: no prereleases of the bound
        (">=1.2,<2", "1.5.0", True),
        ("~1.4", "1.4.0", True),
        ("~1.4", "1.4.99", True),
        ("~1.4", "1.5.0", False),
        ("~1.4.2", "1.4.1", False),
        ("^2", "2.0.0", True),
        ("^2", "2.99.1", True),
        ("^2", "3.0.0", False),
        ("^0.2.3", "0.2.9", True),
        ("^0.2.3", "0.3.0", False),
        ("^0.0.3", "0.0.4", False),
        ("1.x", "1.7.0", True),
        ("1.x", "2.0.0", False),
        ("1.2 - 1.4", "1.4.9", True),
        ("1.2 - 1.4", "1.5.0", False),
        ("<1.2 || >=3", "1.1.0", True),
        ("<1.2 || >=3", "2.0.0", False),
        (">1.2", "1.2.9", False),
        (">1.2", "1.3.0", True),
        ("<=1.2", "1.2.9", True),
        ("<=1.2", "1.3.0", False),
        ("!=1.2.3", "1.2.3", False),
        ("*", "9.9.9", True),
        ("=1.2.3", "1.2.3", True),
    ],
)
def test_semver_range_semantics_follow_npm_and_masterminds(rng: str, version: str, inside: bool) -> None:
    assert (Version.parse(version) in parse_range(rng)) is inside


@pytest.mark.parametrize("bad", ["", ">= banana", "1.2 ||", "!=1.2", ">x"])
def test_invalid_ranges_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_range(bad)


@pytest.mark.parametrize(
    ("tag", "variant", "prerelease", "parts"),
    [
        ("v1.2.3", "", None, 3),
        ("1.2-alpine", "alpine", None, 2),
        ("1.2.3-rc.1", "", "rc.1", 3),
        ("3.11.7-slim-bookworm", "slim-bookworm", None, 3),
        ("1.2.3-rc.1-alpine", "alpine", "rc.1", 3),
        ("2.0.0-beta", "", "beta", 3),
        ("7", "", None, 1),
    ],
)
def test_tags_split_into_version_variant_and_precision(
    tag: str, variant: str, prerelease: str | None, parts: int
) -> None:
    tv = parse_tag(tag)
    assert tv is not None
    assert (tv.variant, tv.version.prerelease, tv.parts) == (variant, prerelease, parts)


@pytest.mark.parametrize("tag", ["latest", "main-abc", "sha-3141e59", "1.2.3.4"])
def test_non_version_tags_are_not_versions(tag: str) -> None:
    assert parse_tag(tag) is None


def choose(tags: list[str], current: str | None, **kw: object) -> str | None:
    for key, enum in (("strategy", Strategy), ("order", TagOrder)):
        if key in kw:
            kw[key] = enum(str(kw[key]))
    return Policy(PolicyConfig(**kw)).choose(tags, current).tag  # type: ignore[arg-type]


def times(created: dict[str, str]) -> dict[str, datetime]:
    """Created times as the registry client hands them over: parsed once, unreadable ones dropped."""
    return {tag: when for tag, text in created.items() if (when := parse_instant(text))}


def test_semver_picks_highest_in_range_tolerating_v_prefix() -> None:
    assert choose(TAGS, "1.2.0", range=">=1.2 <2") == "1.9.9"
    assert choose(["1.0.0", "v1.3.1"], "1.0.0") == "v1.3.1"


def test_semver_prereleases_only_when_asked() -> None:
    assert choose(["1.0.0", "1.1.0-rc.1"], "1.0.0") == "1.0.0"
    assert choose(["1.0.0", "1.1.0-rc.1"], "1.0.0", prerelease=True) == "1.1.0-rc.1"
    assert choose(["1.0.0", "1.1.0-rc.1", "1.1.0"], "1.0.0", prerelease=True) == "1.1.0"


def test_range_naming_a_prerelease_admits_prereleases() -> None:
    assert choose(["1.0.0", "1.1.0-rc.2"], "1.0.0", range=">=1.1.0-rc.1") == "1.1.0-rc.2"


def test_variant_moves_only_to_the_same_variant_and_precision() -> None:
    tags = ["1.2-alpine", "1.3-alpine", "1.4", "1.3.1-alpine", "1.5-slim"]
    assert choose(tags, "1.2-alpine") == "1.3-alpine"
    assert choose(["1.2", "1.3", "1.3-alpine", "1.4.0"], "1.2") == "1.3"


def test_new_image_without_deployed_tag_starts_on_plain_flavour() -> None:
    assert choose(["1.0.0", "2.0.0-alpine", "1.5.0"], None) == "1.5.0"


def test_never_downgrades_unless_asked() -> None:
    result = Policy(PolicyConfig(range="<2")).choose(["1.0.0", "1.5.0"], "2.3.0")
    assert result.tag == "2.3.0"
    assert "allow_downgrade" in result.reason
    assert choose(["1.0.0", "1.5.0"], "2.3.0", range="<2", allow_downgrade=True) == "1.5.0"


def test_allow_and_ignore_patterns_filter_before_ordering() -> None:
    tags = ["1.0.0", "1.1.0", "1.2.0", "1.3.0-debug"]
    assert choose(tags, "1.0.0", ignore=(r"^1\.2",)) == "1.1.0"
    assert choose(["v1.0.0", "1.1.0", "v1.0.5"], "v1.0.0", allow=(r"^v",)) == "v1.0.5"


def test_regex_extracts_named_group_and_orders_numerically() -> None:
    tags = ["main-9-aaaaaaa", "main-10-bbbbbbb", "main-100-ccccccc", "pr-999-ddddddd", "main-x-eeeeeee"]
    pol = dict(strategy="regex", pattern=r"^main-(?P<ts>\d+)-[0-9a-f]{7}$", extract="ts")
    assert choose(tags, None, **pol) == "main-100-ccccccc"
    # alphabetically "9" > "100"
    assert choose(tags, None, **pol, order="alphabetical") == "main-9-aaaaaaa"


def test_numerical_and_alphabetical_on_whole_tags() -> None:
    assert choose(["20231010", "20240101", "9"], None, strategy="numerical") == "20240101"
    assert choose(["2024-01-02", "2024-01-10", "2023-12-31"], None, strategy="alphabetical") == "2024-01-10"
    assert choose(["12", "banana"], None, strategy="numerical") == "12"


def test_newest_orders_by_created_time() -> None:
    pol = Policy(PolicyConfig(strategy=Strategy.NEWEST, allow=(r"^sha-",)))
    created = {
        "sha-aaa": "2026-01-01T00:00:00Z",
        "sha-bbb": "2026-03-01T00:00:00Z",
        "sha-ccc": "2026-02-01T00:00:00Z",
    }
    assert pol.needs_created_time
    assert pol.choose([*list(created), "latest"], "sha-aaa", times(created)).tag == "sha-bbb"
    assert pol.candidates([*list(created), "latest"], None) == list(created)


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z"),  # a fraction sorts before "Z" as text
        ("2026-01-01T01:30:00+02:00", "2026-01-01T00:00:00Z"),  # 23:30 UTC the day before
        ("2026-01-01T00:00:00.999999999Z", "2026-01-01T00:00:01Z"),  # nanoseconds
        ("2026-01-01T00:00:00", "2026-01-01T00:00:00.1+00:00"),  # no offset: UTC
    ],
)
def test_newest_compares_created_times_as_instants_not_strings(older: str, newer: str) -> None:
    pol = Policy(PolicyConfig(strategy=Strategy.NEWEST))
    assert pol.choose(["a", "b"], None, times({"a": newer, "b": older})).tag == "a"
    assert pol.choose(["a", "b"], None, times({"a": older, "b": newer})).tag == "b"
    # the deployed build is newer than every candidate: no downgrade
    assert pol.choose(["a"], "b", times({"a": older, "b": newer})).tag == "b"


def test_newest_keeps_the_deployed_tag_on_a_tie() -> None:
    """Two tags built at the same second (commit-hash tags of one CI run): neither is newer, so
    the deployed one stays, said, where the plan moved off it by the tags' names
    (verity-influxfin/influx-gitops: 2d47346 -> 3e58457 with both built at 00:00:00)."""
    pol = Policy(PolicyConfig(strategy=Strategy.NEWEST))
    same = {"2d47346": "2026-01-01T00:00:00Z", "3e58457": "2026-01-01T00:00:00Z"}
    choice = pol.choose(list(same), "2d47346", times(same))
    assert choice.tag == "2d47346"
    assert choice.reason == (
        "deployed 2d47346 was built at the same time as 3e58457, the newest build of 2 tags: kept"
    )
    # a build newer than both still wins; with no tag deployed the choice is by name, as before
    later = {**same, "0aa0000": "2026-01-01T00:00:01Z"}
    assert pol.choose(list(later), "2d47346", times(later)).tag == "0aa0000"
    assert pol.choose(list(same), None, times(same)).tag == "3e58457"
    # a deployed tag the filters do not admit (ignored: a build to move off) is no candidate,
    # so it is not kept by a tie
    only = Policy(PolicyConfig(strategy=Strategy.NEWEST, ignore=(r"^2",)))
    assert only.choose(list(same), "2d47346", times(same)).tag == "3e58457"


def test_newest_ignores_unreadable_created_times() -> None:
    pol = Policy(PolicyConfig(strategy=Strategy.NEWEST))
    assert pol.choose(["a", "b"], None, times({"a": "yesterday", "b": "2026-01-01T00:00:00Z"})).tag == "b"


def test_digest_policy_follows_mutable_tag() -> None:
    pol = Policy(PolicyConfig(strategy=Strategy.DIGEST, tag="main"))
    assert pol.needs_digest and not pol.needs_tags
    assert pol.choose([], "main").tag == "main"
    assert Policy(PolicyConfig(strategy=Strategy.DIGEST)).choose([], "latest").tag == "latest"


def test_no_match_says_why() -> None:
    result = Policy(PolicyConfig(range="^3")).choose(["1.0.0", "2.0.0"], "2.0.0")
    assert result.tag is None
    assert "no tag among 2 matches semver ^3" in result.reason


def test_tuple_precedence_agrees_with_semver_spec_order() -> None:
    # the SemVer 2.0 spec's example chain (less "alpha.beta", which image tags read as a
    # variant), plus numeric-vs-numeric identifiers
    chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.2",
        "1.0.0-alpha.10",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "1.10.0",
        "2.0.0",
    ]
    parsed = [parse_tag(t) for t in chain]
    assert all(p is not None for p in parsed)
    orders = [p.order for p in parsed if p]
    assert orders == sorted(orders)
    assert len(set(orders)) == len(orders)
    versions = [p.version for p in parsed if p]
    assert all(a.compare(b) < 0 for a, b in itertools.pairwise(versions))


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-01T12:00:00Z",
        "2026-01-01T00:00:00.5Z",
        "2024-03-04T05:06:07.123456Z",
        "2026-01-01T01:30:00+02:00",
        "2026-01-01T00:00:00-05:30",
    ],
)
def test_created_time_is_parsed_once_and_formats_back_as_the_registry_wrote_it(text: str) -> None:
    when = parse_instant(text)
    assert when is not None and when.tzinfo is not None
    assert format_instant(when) == text


def test_created_time_without_offset_is_utc_and_nanoseconds_print_as_the_registry_wrote_them() -> None:
    assert format_instant(parse_instant("2026-01-01T00:00:00") or datetime.min) == "2026-01-01T00:00:00Z"
    # Go's RFC3339Nano: a datetime holds microseconds, the output keeps all nine digits
    for text in (
        "2026-01-01T00:00:00.999999999Z",
        "2024-01-02T03:04:05.123456789Z",
        "2024-01-02T03:04:05.000000001-07:00",
        "2024-01-02T03:04:05.1234567Z",
    ):
        assert format_instant(parse_instant(text) or datetime.min) == text
    when = parse_instant("2024-01-02T03:04:05.123456789Z")
    assert when == datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)  # compares as a datetime
    assert format_instant(parse_instant("2024-01-02T03:04:05.123456700Z") or datetime.min) == (
        "2024-01-02T03:04:05.1234567Z"  # trailing zeros dropped, as Go does
    )
    # a time computed from a parsed one has no digits of its own beyond microseconds
    later = (when or datetime.min) + timedelta(seconds=1)
    assert format_instant(later) == "2024-01-02T03:04:06.123456Z"
    assert parse_instant("yesterday") is None and parse_instant("") is None
