"""Times and durations the operator writes, out of the bounds the bot counts in, through the
real command line over the promotion example: each is one line naming the key or argument,
the value and the allowed range, exit 2, and nothing written."""

from __future__ import annotations

import pytest

from testkit.promotion_world import World, add_files, run

STAGING = "    promote_from: dev\n    argocd_application: app-staging\n"


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("    min_age: 999999999d\n", "min_age"),
        ("    auto_promote: {after: 99999999999d}\n", "after"),
        ("    auto_rollback: {after: 9999999999999999999999999s}\n", "after"),
    ],
)
def test_a_duration_past_the_bounds_in_the_configuration_is_one_line_and_exit_2(
    world: World, capsys: pytest.CaptureFixture[str], setting: str, key: str
) -> None:
    add_files(world, {}, replace=("gitops-bot.yaml", STAGING, STAGING + setting))
    refused = run(capsys, world, "update", code=2)["error"]
    assert f"'{key}' of " in refused and "outside 0 to 36500d (100 years)" in refused
    assert "gitops-bot.yaml:" in refused and "shorter duration" in refused
    assert world.github.open_pulls() == []


@pytest.mark.parametrize("until", ["9999999w", "9999-12-31T23:59:59-14:00", "99999999999999999999999m"])
def test_freeze_until_past_the_bounds_is_one_line_and_exit_2(
    world: World, capsys: pytest.CaptureFixture[str], until: str
) -> None:
    refused = run(capsys, world, "freeze", "staging", "--until", until, "--reason", "forever", code=2)[
        "error"
    ]
    assert f"--until {until!r} is outside" in refused and "unfreeze" in refused
    assert world.github.open_pulls() == []


def test_a_freezes_file_with_an_until_past_the_bounds_is_one_line_and_exit_2(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    add_files(
        world,
        {"gitops-bot.freezes.yaml": "staging:\n  until: 9999-12-31T23:59:59-14:00\n  reason: forever\n"},
    )
    refused = run(capsys, world, "promote", "dev", "staging", code=2)["error"]
    assert "gitops-bot.freezes.yaml:2" in refused
    assert (
        "'until' is '9999-12-31T23:59:59-14:00', outside 1970-01-01T00:00:00Z to 8999-12-31T23:59:59Z"
        in refused
    )
    assert world.github.open_pulls() == []
