"""A chart's ``appVersion`` as YAML reads it, read by one function for every caller (the
plan's "commonly its appVersion", init's guess from an empty tag, the marked render)."""

from __future__ import annotations

import pytest

from gitops_bot.manifests.charts_refs import app_version


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("appVersion: 1.2.3\n", "1.2.3"),
        ('appVersion: "1.2.3"\n', "1.2.3"),
        ("appVersion: 'v2.0'  \n", "v2.0"),
        ("appVersion: 1.2.3 # the release\n", "1.2.3"),
        ('appVersion: "1.2.3"  # quoted, then a comment\n', "1.2.3"),
        ("appVersion: build#7\n", "build#7"),  # "#" inside a plain scalar is not a comment
        ("appVersion: 1.0\r\n", "1.0"),
        ("appVersion:\n", ""),
        ('appVersion: ""\n', ""),
        ("appVersion: # none yet\n", ""),
    ],
)
def test_the_value_is_what_yaml_reads(text: str, value: str) -> None:
    found = app_version("apiVersion: v2\nname: app\n" + text)
    assert found is not None and found.value == value and found.line == 3


def test_only_the_charts_own_top_level_key_counts() -> None:
    # a dependency's or an annotation's nested appVersion is not the chart's
    assert app_version("name: app\ndependencies:\n  - name: x\n    appVersion: 9.9\n") is None
    assert app_version("version: 0.1.0\n") is None


def test_where_the_line_stands_is_the_whole_line() -> None:
    text = "name: app\nappVersion: 1.2.3 # x\nversion: 0.1.0\n"
    found = app_version(text)
    assert found is not None
    assert text[found.start : found.end] == "appVersion: 1.2.3 # x"
