"""The duration grammar of ``min_age``: whole units, largest first, and its round trip."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gitops_bot.core.instants import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("0", timedelta(0)),
    ],
)
def test_durations_read_and_write_back_the_same(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span
    assert format_duration(span) == text


@pytest.mark.parametrize("text", ["", "h", "2", "2x", "1m1h", "-1h", "1.5h", "2 h"])
def test_unreadable_durations_are_refused(text: str) -> None:
    assert parse_duration(text) is None
