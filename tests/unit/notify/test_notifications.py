"""Notifications out, received by a local HTTP server: content per destination type, the HMAC
signature, retries on 5xx, redaction, a failing endpoint as a warning, and --dry-run."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot import action, config, notify
from gitops_bot.cli import main
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.log import register_secret
from gitops_bot.core.model import OutcomeAction, ReleaseKind, WriteMode
from gitops_bot.engine.outcome import Outcome
from gitops_bot.events.verify import signature
from gitops_bot.notify import NotifierSettings
from gitops_bot.notify.message import Notice, event_of, from_error, from_outcomes
from gitops_bot.notify.send import Notifier
from gitops_bot.release.proposal import Change
from testkit.github_server import FakeGitHub
from testkit.hook_server import HookServer
from testkit.registry_process import RegistryProcess
from tests.test_action import actions_env
from tests.test_events import MINIMAL_CONFIG
from tests.test_update_e2e import World, make_world
from tests.test_webhooks_e2e import add_config

SECRET = "hook-hmac-secret-77"
CHANGE = Change(
    "staging",
    "example/app",
    "r/app",
    ("k.yaml",),
    "1.0.0",
    "sha256:" + "1" * 64,
    "1.1.0",
    "sha256:" + "2" * 64,
    "semver ^1: newest",
)


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


def test_retries_on_5xx_then_delivers_with_secrets_redacted(hooks: HookServer) -> None:
    register_secret("s3cr3t-registry-password")
    hooks.statuses = [502, 503]
    settings = [NotifierSettings("audit", "webhook", url=f"{hooks.url}/audit", attempts=3)]
    notice = Notice("failed", None, reason="login with s3cr3t-registry-password refused")
    with Notifier(settings, {}, backoff=0.01) as n:
        assert n.send(notice) == []
    assert len(hooks.received) == 3
    assert hooks.received[-1].body["reason"] == "login with *** refused"


def test_client_errors_are_not_retried_and_plain_http_is_loopback_only(hooks: HookServer) -> None:
    hooks.statuses = [404]
    local = NotifierSettings("a", "webhook", url=f"{hooks.url}/x")
    remote = NotifierSettings("b", "slack", url_env="U")
    with Notifier([local, remote], {"U": "http://hooks.example.com/services/x"}, backoff=0.01) as n:
        warnings = n.send(Notice("proposed", "staging", (CHANGE,)))
    assert len(hooks.received) == 1
    assert ["HTTP 404" in warnings[0], "must be https://" in warnings[1]] == [True, True]


def test_gate_refusals_have_their_own_event() -> None:
    notice = from_error(
        RuntimeError("refused by the Argo CD gate: app is OutOfSync"),
        gate=True,
        command="promote",
        dry_run=False,
    )
    assert notice.event == "gate_refused" and notice.text().startswith("Promotion refused by the gate")
    only_failures = NotifierSettings("x", "slack", url_env="U", events=("failed",))
    assert not only_failures.wants(notice.event, None)


NOTIFY_CONFIG = MINIMAL_CONFIG + "notifications:\n"


@pytest.mark.parametrize(
    "item, fragment",
    [
        ("  - {type: slack, url: 'https://hooks.slack.com/services/T/B/x'}", "holds a secret"),
        ("  - {type: webhook, url: 'ftp://x'}", "must be an http\\(s\\) URL"),
        ("  - {type: webhook, url: 'https://x', url_env: U}", "exactly one of url and url_env"),
        ("  - {type: slack, url_env: U, events: [merged]}", "unknown events merged"),
        ("  - {type: slack, url_env: U, environments: [prod]}", "unknown environments prod"),
        ("  - {type: slack, url_env: U, secret_env: S}", "only a generic webhook is signed"),
        ("  - {type: pager, url_env: U}", "type must be one of"),
        ("  - {type: slack, url_env: U}\n  - {type: slack, url_env: V}", "'slack' is used twice"),
    ],
)
def test_notification_config_mistakes_name_the_line(item: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as err:
        config.parse(NOTIFY_CONFIG + item + "\n", "gitops-bot.yaml")
    assert str(err.value).startswith("gitops-bot.yaml:")


def test_the_same_failure_is_sent_once_an_hour(hooks: HookServer) -> None:
    settings = [NotifierSettings("a", "webhook", url=f"{hooks.url}/a", events=("failed",))]
    for _ in range(3):  # a watch meeting the same outage every cycle
        notify.report_failure(
            settings,
            RuntimeError("git remote unreachable 91"),
            {},
            gate=False,
            command="update",
            dry_run=False,
        )
    notify.report_failure(
        settings, RuntimeError("another problem 91"), {}, gate=False, command="update", dry_run=False
    )
    assert [r.body["reason"] for r in hooks.received] == [
        "update: git remote unreachable 91",
        "update: another problem 91",
    ]


@pytest.mark.parametrize(
    "action, kind, write, event",
    [
        ("pull_request", "update", "pull_request", "proposed"),
        ("commit", "update", "commit", "committed"),
        ("dry_run", "update", "commit", "committed"),
        ("dry_run", "update", "pull_request", "proposed"),
        ("pull_request", "promotion", "pull_request", "promoted"),
        ("commit", "rollback", "commit", "rolled_back"),
        ("pull_request", "hold", "pull_request", "hold"),
        ("unchanged", "update", "pull_request", None),
        ("closed", "update", "pull_request", None),
    ],
)
def test_each_outcome_is_the_event_people_subscribe_to(
    action: str, kind: str, write: str, event: str | None
) -> None:
    outcome = Outcome(
        "staging", (CHANGE,), OutcomeAction(action), write=WriteMode(write), kind=ReleaseKind(kind)
    )
    assert event_of(outcome) == event
    assert [n.event for n in from_outcomes([outcome])] == ([event] if event else [])


def test_plain_http_is_for_a_loopback_address_not_a_name_or_userinfo_that_looks_like_one() -> None:
    """``http://127.0.0.1@host`` and ``http://127.0.0.1.host`` go to another machine in clear."""
    for url in ("http://127.0.0.1@hooks.example.com/x", "http://127.0.0.1.hooks.example.com/x"):
        with Notifier([NotifierSettings("b", "webhook", url_env="U")], {"U": url}) as n:
            (warning,) = n.send(Notice("proposed", "staging", (CHANGE,)))
        assert "must be https://" in warning
