"""The ``windows:`` key of an environment: read into periods, refused in one line naming the
file and line when wrong, and the published schema agrees with the reader."""

from __future__ import annotations

import textwrap

import pytest

from gitops_bot import config
from gitops_bot.config.windows import WindowPeriod
from gitops_bot.core.errors import ConfigError
from testkit.config_schema import schema_problems

HEAD = """
version: 1
images:
  - name: app
    repository: 127.0.0.1:5000/team/app
environments:
  - name: production
    path: overlays/production
    windows:
"""


def text(windows: str) -> str:
    return textwrap.dedent(HEAD).lstrip("\n") + textwrap.indent(
        textwrap.dedent(windows).lstrip("\n"), "      "
    )


def test_windows_read_into_weekday_periods_in_a_time_zone() -> None:
    cfg = config.parse(
        text(
            """
            timezone: Europe/Paris
            allow:
              - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00"}
            deny:
              - {days: [fri], from: "16:00", to: "24:00"}
              - {days: sat}
            """
        ),
        "gitops-bot.yaml",
    )
    w = cfg.environment("production").windows
    assert w is not None and w.timezone == "Europe/Paris"
    assert w.allow == (WindowPeriod((0, 1, 2, 3, 4), 540, 1080),)
    assert w.deny == (WindowPeriod((4,), 960, 1440), WindowPeriod((5,), 0, 1440))


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ("timezone: Europe/Pariss\n", r"unknown time zone 'Europe/Pariss'.*IANA name"),
        ("deny: [{days: [fri]}]\n", r"needs 'timezone'"),
        ("timezone: UTC\ndeny: [{days: [fry]}]\n", r"day 'fry' .* is not a weekday; did you mean 'fri'"),
        ("timezone: UTC\ndeny: [{days: [fri], from: '4pm'}]\n", r"'from' .* must be HH:MM"),
        (
            "timezone: UTC\ndeny: [{days: [fri], from: '22:00', to: '06:00'}]\n",
            r"'to' \(06:00\) must be after 'from'",
        ),
        ("timezone: UTC\ndeny: {days: [fri]}\n", r"'deny' of .* must be a list"),
        ("timezone: UTC\nblock: []\n", r"block"),
    ],
)
def test_a_bad_window_is_one_line_and_the_schema_refuses_it_too(windows: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        config.parse(text(windows), "gitops-bot.yaml")
    assert "\n" not in str(info.value) and "gitops-bot.yaml:" in str(info.value)
    if "06:00" not in windows and "Pariss" not in windows:  # the schema cannot compare keys or know zones
        assert schema_problems(text(windows)), windows


def test_the_schema_accepts_a_good_window() -> None:
    good = text("timezone: Europe/Paris\ndeny:\n  - {days: [sat, sun]}\n  - {days: fri, from: '16:00'}\n")
    assert schema_problems(good) == []
    config.parse(good, "gitops-bot.yaml")
