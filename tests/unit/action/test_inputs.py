"""The GitHub Action's entry logic on its own: bad inputs are annotated, inputs become arguments
with messages escaped for workflow commands, and a dry run prints its diff and body with
workflow commands paused."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.core.model import OutcomeAction
from gitops_bot.engine.outcome import Outcome
from gitops_bot.output.command_results import Delivered
from gitops_bot.output.result import Result
from testkit.actions_env import actions_env, read_outputs


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"command": "deploy"}, "input command must be one of"),
        ({"command": "promote", "environments": "dev"}, "input environments is for plan, update and status"),
        ({"command": "plan", "dry_run": "yes"}, "input dry-run must be true or false"),
        ({"command": "plan", "registry": "ghcr.io"}, "go together"),
    ],
)
def test_bad_inputs_are_annotated(tmp_path: Path, inputs: dict[str, str], words: str) -> None:
    out = io.StringIO()
    assert action.run(actions_env(tmp_path, **inputs), out, execute=lambda argv: Result(argv[0], None)) == 2
    assert out.getvalue().startswith("::error title=gitops-bot::") and words in out.getvalue()


def test_every_command_a_step_can_finish_is_accepted() -> None:
    """A new command is either offered to workflow steps or named as one a step cannot run;
    the Action's list cannot silently fall behind the command line."""
    from gitops_bot.arguments import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted((*action.COMMANDS, *action.NOT_IN_ACTION)) == sorted(sub.choices)
    assert set(action.WITH_ENVIRONMENTS) <= set(action.COMMANDS) >= set(action.WITH_DRY_RUN)


@pytest.mark.parametrize(
    ("inputs", "argv"),
    [
        ({"command": "status", "environments": "prod"}, ["status", "--repo", ".", "--env", "prod"]),
        (
            {
                "command": "freeze",
                "args": "prod --until 2026-12-01T00:00Z --reason 'code freeze'",
                "dry_run": "true",
            },
            [
                "freeze",
                "prod",
                "--until",
                "2026-12-01T00:00Z",
                "--reason",
                "code freeze",
                "--repo",
                ".",
                "--dry-run",
            ],
        ),
        ({"command": "unfreeze", "args": "prod"}, ["unfreeze", "prod", "--repo", "."]),
    ],
)
def test_status_and_freezes_run_as_steps(inputs: dict[str, str], argv: list[str]) -> None:
    env = {f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}
    assert action.build_argv(env) == [*argv, *action.OUTPUT_ARGS]
    from gitops_bot.arguments import build_parser

    build_parser().parse_args(action.build_argv(env))  # what the step passes, the CLI accepts


def test_inputs_become_arguments_and_messages_are_escaped() -> None:
    env = {
        "INPUT_COMMAND": "update",
        "INPUT_ENVIRONMENTS": "dev, staging",
        "INPUT_DRY-RUN": "true",  # the runner keeps the hyphen
        "INPUT_CONFIG": "deploy/gitops-bot.yaml",
    }
    assert action.build_argv(env) == [
        "update",
        "--repo",
        ".",
        "--config",
        "deploy/gitops-bot.yaml",
        "--env",
        "dev",
        "--env",
        "staging",
        "--dry-run",
        "--output",
        "json",
        "--log-format",
        "console",
    ]
    assert action.escape_data("50%\nnext") == "50%25%0Anext"


def test_a_dry_run_prints_its_diff_and_body_with_workflow_commands_paused(tmp_path: Path) -> None:
    dry_run = Outcome(
        "staging",
        (),
        OutcomeAction.DRY_RUN,
        title="staging: release: app",
        diff="+::error::a line of a file, not a command",
        body="| environment | image |",
    )

    def cli(argv: list[str]) -> Result:
        return Result(argv[0], Delivered((dry_run,)))

    out = io.StringIO()
    env = actions_env(tmp_path, command="update", dry_run="true")
    assert action.run(env, out, execute=cli) == 0
    log = out.getvalue()
    pause = re.search(r"^::stop-commands::(\w+)$", log, re.MULTILINE)
    assert pause is not None
    start, end = log.index(pause.group(0)), log.index(f"::{pause.group(1)}::")
    assert start < log.index("+::error::a line of a file") < log.index("| environment | image |") < end
    assert "::group::dry run: staging: staging: release: app" in log
    assert read_outputs(tmp_path / "output")["pr-url"] == ""


def test_a_status_step_that_could_not_ask_everything_still_writes_its_table(tmp_path: Path) -> None:
    """status exits 3 when a source could not answer; the step fails, and its summary still
    holds the table with that cell marked unknown, which is when a reader needs it most."""
    from gitops_bot.core.model import Deployed
    from gitops_bot.engine.results import Row, Status, Unknown
    from gitops_bot.output.command_results import StatusRead

    current = Deployed("example/app", "127.0.0.1:5000/acme/app", "1.2.0", None)
    down = Unknown("registry 127.0.0.1:5000 unavailable", 3)
    found = Status(
        (Row("dev", "example/app", "overlays/dev/kustomization.yaml", current, "x", down, None, None),)
    )
    assert found.exit_code == 3
    env = actions_env(tmp_path, command="status")
    out = io.StringIO()
    code = action.run(env, out, execute=lambda argv: Result("status", StatusRead(found), found.exit_code))
    assert code == 3 and "::error title=gitops-bot status::" in out.getvalue()
    summary = (tmp_path / "summary").read_text()
    assert summary.startswith("### gitops-bot status")
    assert "- unknown: registry" in summary  # the rest of the line is Markdown-escaped
    assert summary.count("unavailable") == 2  # the cell and the list of sources that did not answer
