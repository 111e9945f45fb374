"""The tag a policy chooses against where one image is pinned at several places of one
environment: the places' line (variant) decides, a moving tag of that line never does."""

from __future__ import annotations

import pytest

from gitops_bot.policy import deciding_tag, line_of


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ("16", ""),
        ("16-alpine", "alpine"),
        ("2.24.0-pg16", "pg16"),
        ("latest-pg16", "pg16"),
        ("latest", ""),
        ("stable-alpine", "alpine"),
        ("main-57-3f2a9c1", None),  # a build, no line
        ("sha-3f2a9c1", None),
    ],
)
def test_line_of(tag: str, line: str | None) -> None:
    assert line_of(tag) == line


def test_a_moving_tag_of_the_same_line_never_decides() -> None:
    assert deciding_tag(["2.24.0-pg16", "latest-pg16"]) == "2.24.0-pg16"
    assert deciding_tag(["latest", "1.2.3", "1.2.4"]) == "1.2.4"


def test_the_last_place_decides_within_one_line() -> None:
    assert deciding_tag(["1.2.3", "1.2.4"]) == "1.2.4"
    assert deciding_tag(["latest"]) == "latest"
    assert deciding_tag(["main-57-3f2a9c1", "1.2.3"]) == "1.2.3"  # a build names no line


def test_places_of_two_lines_decide_nothing() -> None:
    assert deciding_tag(["16", "16-alpine"]) is None
    assert deciding_tag(["2.24.0-pg16", "latest-pg17"]) is None


def test_two_tags_that_name_no_version_are_two_channels() -> None:
    """skirklin/homelab@a097f79c: Deployment home runs :latest and home-beta runs :beta of one
    image; the plan chose against beta and a release wrote beta@sha256 into production's place."""
    assert deciding_tag(["latest", "beta"]) is None
    assert deciding_tag(["stable", "latest"]) is None
    assert deciding_tag(["latest", "latest"]) == "latest"
    assert deciding_tag(["beta", "1.2.3"]) == "1.2.3"
