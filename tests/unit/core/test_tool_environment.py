"""The environment kubectl and helm run in on a repository's content: Go's collector is left
off until the heap nears a bound (a render allocates and exits; collecting along the way was a
fifth to a third of its CPU), unless the operator tuned Go for the bot's container."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core import childenv


def test_a_tool_runs_with_gos_collector_off_below_a_bound() -> None:
    env = childenv.content_env(Path("/h"), {"PATH": "/bin"})
    assert env["GOGC"] == "off" and env["GOMEMLIMIT"] == "256MiB"


def test_an_operators_own_go_settings_are_kept_instead() -> None:
    limited = childenv.content_env(Path("/h"), {"PATH": "/bin", "GOMEMLIMIT": "96MiB"})
    assert limited["GOMEMLIMIT"] == "96MiB" and "GOGC" not in limited
    tuned = childenv.content_env(Path("/h"), {"PATH": "/bin", "GOGC": "200", "GOMEMLIMIT": ""})
    assert tuned["GOGC"] == "200" and "GOMEMLIMIT" not in tuned
