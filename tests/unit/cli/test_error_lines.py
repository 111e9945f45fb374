"""An error is exactly one line on stderr whatever it quotes: an argument, a path or a config
value holding a line break or a terminal escape is shown escaped, so a log reader (or the
Action's error annotation, which takes the last line) sees the whole error and a hostile value
cannot paint the operator's terminal or forge a second log line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main

ESC = "\x1b"
CONFIG = (
    "version: 1\nimages:\n  - name: example/app\n    repository: localhost:1/app\n"
    "environments:\n  - name: dev\n    path: {path}\n    write: commit\n"
)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["rollback", "dev", "-\nforged: line"],
        ["rollback", "dev", "x\rforged"],
        ["plan", "--bogus\nsecond line"],
        ["set-image", "--file", "/nonexistent/a\nb.yaml", "example/app:1.0.0"],
        ["set-image", "--file", f"/nonexistent/{ESC}[31mred.yaml", "example/app:1.0.0"],
        ["plan", "--repo", "/nonexistent/repo\nforged"],
        ["plan", "--repo", f"/nonexistent/{ESC}]0;title{ESC}\\"],
    ],
    ids=[
        "rollback-newline",
        "rollback-cr",
        "option-newline",
        "file-newline",
        "file-esc",
        "repo-newline",
        "repo-osc",
    ],
)
def test_a_hostile_argument_gives_one_escaped_error_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(argv, capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), repr(err)
    assert err.startswith("gitops-bot: error: ")
    assert ESC not in err and "\r" not in err
    assert "Traceback" not in err


def test_a_config_path_with_a_line_break_gives_one_escaped_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "gitops-bot.yaml").write_text(CONFIG.format(path='"overlays/de\\nv\\e[2J"'))
    code, err = _run(["plan", "--repo", str(tmp_path)], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and ESC not in err, repr(err)
    assert err.startswith("gitops-bot: error: ")
