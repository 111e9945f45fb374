"""Notifications out, received by a local HTTP server: content per destination type, the HMAC
signature, retries on 5xx, redaction, a failing endpoint as a warning, and --dry-run."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from gitops_bot import config
from gitops_bot.core import log
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.log import register_secret
from gitops_bot.core.model import OutcomeAction, ReleaseKind, WriteMode
from gitops_bot.engine.outcome import Outcome
from gitops_bot.notify import NotifierSettings
from gitops_bot.notify import report as notify
from gitops_bot.notify.message import Notice, event_of, from_error, from_outcomes
from gitops_bot.notify.send import Notifier
from gitops_bot.release.proposal import Change
from testkit.configs import MINIMAL_CONFIG
from testkit.hook_server import HookServer

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


def test_a_404_that_echoes_the_webhook_path_logs_no_part_of_it(hooks: HookServer) -> None:
    """A loopback Slack endpoint answers 404 with the path it was asked for in the body: the
    whole URL was registered as a secret, but only its path comes back, and it must not be
    printed in the warning, the log line or anything else."""
    hooks.statuses, hooks.echo = [404], True
    key = "xoxhookEchoedSecret0123456789"
    url = f"{hooks.url}/services/T0ECHO1234/B0ECHO5678/{key}"
    out = io.StringIO()
    log.configure(level="info", fmt="json", stream=out)
    try:
        settings = [NotifierSettings("team", "slack", url_env="SLACK_ECHO_URL")]
        with Notifier(settings, {"SLACK_ECHO_URL": url}, backoff=0.01) as n:
            warnings = n.send(Notice("proposed", "staging", (CHANGE,)))
    finally:
        log.configure()
    assert len(hooks.received) == 1 and "HTTP 404" in warnings[0]
    printed = out.getvalue() + "\n".join(warnings)
    assert "notification_failed" in printed
    for part in (key, "T0ECHO1234", "B0ECHO5678", "services/T0ECHO1234"):
        assert part not in printed


def test_the_failures_remembered_are_the_last_hours_and_bounded(
    hooks: HookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch meeting a new failure text every cycle (an id in it) for weeks remembers only
    the last hour's, at most RECENT_FAILURES of them: a forgotten one is sent again anyway."""
    from gitops_bot.notify import report

    settings = [NotifierSettings("a", "webhook", url=f"{hooks.url}/a", events=("failed",))]
    clock = [1000.0]
    monkeypatch.setattr(report.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(report, "_recent", {})
    for i in range(report.RECENT_FAILURES + 40):
        clock[0] += 1
        notify.report_failure(
            settings, RuntimeError(f"run {i} failed"), {}, gate=False, command="update", dry_run=True
        )
    assert len(report._recent) == report.RECENT_FAILURES
    kept = " | ".join(report._recent)
    assert "run 40 failed" in kept and "run 39 failed" not in kept  # the oldest went first
    clock[0] += report.REPEAT_AFTER + 1  # an hour later: one new failure, the old all forgotten
    notify.report_failure(settings, RuntimeError("later"), {}, gate=False, command="update", dry_run=True)
    assert len(report._recent) == 1
