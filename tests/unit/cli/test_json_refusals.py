"""Asked for JSON, a refused command still prints one JSON document on stdout, with the exit code
in it; text mode stays one line on stderr and nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main


@pytest.mark.parametrize(
    ("argv", "command", "code", "said"),
    [
        (["plan", "--repo", "/nonexistent", "--output", "json"], "plan", 2, "is not a directory"),
        (["promote", "--output=json"], "promote", 2, "the following arguments are required"),
        (["history", "--output", "json", "--limit", "x", "prod"], "history", 2, "not a whole number"),
    ],
)
def test_a_refusal_is_a_json_document_when_json_is_asked(
    argv: list[str], command: str, code: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["schema"] == "gitops-bot/error/v1"
    assert (doc["command"], doc["exit_code"]) == (command, code)
    assert said in doc["error"] and not doc["error"].startswith("gitops-bot:")
    assert err.count("\n") == 1 and said in err


def test_text_mode_keeps_stdout_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--repo", str(tmp_path / "absent")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("gitops-bot: error: ")
