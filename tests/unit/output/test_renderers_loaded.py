"""The output layer imports a renderer when a result is shown in its format: a plan's JSON
loads no text, its text no JSON writer, and neither loads the other commands' result types or
the text they are shown with (a release's next step, status's table). Each case runs in a fresh
interpreter, where ``sys.modules`` says what was imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import io, json, sys
from gitops_bot import output
from gitops_bot.core.model import Plan
from gitops_bot.output.result import Failed, Format, Planned, Result
body = Planned(Plan(())) if sys.argv[1] == "plan" else Failed("gitops-bot: error: x")
output.emit(Result("plan", body, format=Format(sys.argv[2])), io.StringIO(), io.StringIO())
print(json.dumps(sorted(m for m in sys.modules if m.startswith("gitops_bot.output"))))
"""

OTHERS = {
    "gitops_bot.output.command_results",  # the other commands' result types
    "gitops_bot.output.command_output",
    "gitops_bot.output.release_text",  # update's text and the next step's words
    "gitops_bot.output.status_text",
    "gitops_bot.output.report_text",
    "gitops_bot.output.explain_text",
    "gitops_bot.output.github",
}


def _loaded(kind: str, fmt: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, kind, fmt], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("kind", ["plan", "failed"])
def test_a_plan_shown_as_json_loads_the_json_writer_alone(kind: str) -> None:
    loaded = _loaded(kind, "json")
    assert "gitops_bot.output.as_json" in loaded
    assert loaded & (OTHERS | {"gitops_bot.output.text"}) == set()


def test_a_plan_shown_as_text_loads_its_text_alone() -> None:
    loaded = _loaded("plan", "text")
    assert "gitops_bot.output.text" in loaded
    assert loaded & (OTHERS | {"gitops_bot.output.as_json"}) == set()
