"""The GitHub Action's entry logic under a simulated Actions environment (INPUT_* variables, the
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) against a real registry, git remote and the local
GitHub API: the update step masks the token and writes outputs and a summary, the plan step
logs in to the registry, a failure is one error annotation and the exit code."""

from __future__ import annotations

import base64
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.cli import execute
from gitops_bot.output.result import Result
from testkit.actions_env import actions_env, read_outputs
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, make_world


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


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
