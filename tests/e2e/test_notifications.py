"""Notifications sent by whole runs, received by a local HTTP server: `update` tells each
destination what it asked for, a failing endpoint is a warning and the release stands,
--dry-run prints what it would send and sends nothing, and the Action notifies a failed run
and keeps its exit code. A real registry, git remote and the local GitHub API."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.cli import main
from gitops_bot.events.verify import signature
from testkit.actions_env import actions_env
from testkit.github_server import FakeGitHub
from testkit.hook_server import HookServer
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, add_config, make_world

SECRET = "hook-hmac-secret-77"


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    with HookServer() as server:
        yield server


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


def notifications(hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SLACK_URL", f"{hooks.url}/slack")
    monkeypatch.setenv("TEAMS_URL", f"{hooks.url}/teams")
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    return (
        "notifications:\n"
        "  - {type: slack, url_env: SLACK_URL, events: [proposed, failed]}\n"
        "  - {type: teams, url_env: TEAMS_URL, environments: [dev]}\n"
        f"  - {{name: audit, type: webhook, url: '{hooks.url}/audit', secret_env: HOOK_SECRET}}\n"
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_update_notifies_each_destination_what_it_asked_for(
    world: World, hooks: HookServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(world, notifications(hooks, monkeypatch))
    digest = world.push("app", "1.1.0")
    code, _out, err = run(capsys, "update", "--repo", f"file://{world.remote}", "--output", "json")
    assert code == 0, err
    by_path = {r.path: r for r in hooks.received}
    assert sorted(r.path for r in hooks.received) == ["/audit", "/audit", "/slack", "/teams"]

    (pr,) = world.github.open_pulls()
    slack = by_path["/slack"].body["text"]
    assert slack.startswith("*Release proposed in staging*")
    assert f"example/app: 1.0.0 -&gt; 1.1.0 ({digest[7:19]})" in slack  # Slack escapes > as &gt;
    assert pr["html_url"] in slack

    card = by_path["/teams"].body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Release committed in dev"

    audits = [r for r in hooks.received if r.path == "/audit"]
    assert sorted(a.body["event"] for a in audits) == ["committed", "proposed"]
    for a in audits:
        raw = json.dumps(a.body, sort_keys=True).encode()
        assert a.headers["X-Gitops-Bot-Signature-256"] == signature(SECRET, raw)
    proposed = next(a.body for a in audits if a.body["event"] == "proposed")
    app = next(i for i in proposed["images"] if i["image"] == "example/app")
    assert app["to"] == {"tag": "1.1.0", "digest": digest} and proposed["pull_request"] == pr["html_url"]
    assert FakeGitHub.token not in json.dumps([r.body for r in hooks.received])

    # dev's commit moved main, so the next run rebases the staging PR (and says so); the one
    # after that changes nothing and tells nobody anything
    assert run(capsys, "update", "--repo", f"file://{world.remote}")[0] == 0
    hooks.received.clear()
    assert run(capsys, "update", "--repo", f"file://{world.remote}")[0] == 0
    assert hooks.received == []


def test_a_failing_endpoint_is_a_warning_and_the_release_stands(
    world: World, hooks: HookServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_URL", f"{hooks.url}/slack")
    add_config(world, "notifications:\n  - {type: slack, url_env: SLACK_URL, attempts: 2}\n")
    hooks.statuses = [500] * 10
    world.push("app", "1.1.0")
    code, out, err = run(
        capsys, "update", "--repo", f"file://{world.remote}", "--env", "staging", "--output", "json"
    )
    assert code == 0, err
    (result,) = json.loads(out)["results"]
    assert result["action"] == "pull_request" and len(world.github.open_pulls()) == 1
    assert any(
        "notification slack (slack) not delivered: HTTP 500 after 2 attempts" in w for w in result["warnings"]
    )
    assert len(hooks.received) == 2


def test_dry_run_prints_what_it_would_send_and_sends_nothing(
    world: World, hooks: HookServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(world, notifications(hooks, monkeypatch))
    monkeypatch.delenv("HOOK_SECRET")  # a dry run needs no secret: it sends nothing
    world.push("app", "1.1.0")
    code, _out, err = run(
        capsys, "update", "--repo", f"file://{world.remote}", "--env", "staging", "--dry-run"
    )
    assert code == 0, err
    assert hooks.received == [] and world.github.pulls == []
    slack = next(ln for ln in err.splitlines() if ln.startswith("gitops-bot: would notify slack (slack): "))
    assert "[dry run] Release proposed in staging" in json.loads(slack.split(": ", 2)[2])["text"]
    assert "would notify audit (webhook)" in err and f"{hooks.url}/slack" not in err


def test_the_action_notifies_a_failed_run_and_keeps_its_exit_code(
    world: World, hooks: HookServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(world, notifications(hooks, monkeypatch))
    inputs = {"command": "hold", "args": "staging example/nope", "repo": f"file://{world.remote}"}
    env = actions_env(tmp_path, github_token=FakeGitHub.token, **inputs)
    monkeypatch.setattr("os.environ", env)  # the in-process CLI reads the same environment
    out = io.StringIO()
    assert action.run(env, out) == 2
    assert "::error" in out.getvalue()
    slack = next(r.body["text"] for r in hooks.received if r.path == "/slack")
    assert slack.startswith("*gitops-bot run failed*") and "hold: " in slack and "example/nope" in slack
