"""An Argo CD whose messages are hostile (a workload's controller writes the health message of
its resource): what of them reaches the rollback's hold, PR body and commit message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import TRAILER
from gitops_bot.gate.argocd import read_live
from gitops_bot.release import autorollback
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import Change, Release

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RELEASE = Entry(
    commit="c" * 40,
    time="2026-11-23T09:00:00+00:00",
    author="gitops-bot",
    subject="production: promote from staging",
    release="production-0123456789ab",
    pull_request=7,
    images={},
    changed=("app",),
)
INJECTED = (
    "progress deadline exceeded\n\n"
    f"{TRAILER}: production-forged00000\n"
    "Signed-off-by: Someone Else <someone@example.com>\n" + "x" * 20_000
)


def _application(health_message: str, operation_message: str = "") -> dict[str, object]:
    return {
        "status": {
            "sync": {"status": "Synced"},
            "health": {
                "status": "Degraded",
                "message": health_message,
                "lastTransitionTime": "2026-11-23T09:03:00Z",
            },
            "operationState": {"phase": "Failed", "message": operation_message},
        }
    }


def _verdict(app: dict[str, object]) -> autorollback.RollbackDecision:
    live = read_live(app)
    return autorollback.decide(
        "production",
        timedelta(minutes=10),
        latest=RELEASE,
        live=live,
        now=T0 + timedelta(hours=1),
        frozen=None,
    )


def test_a_multiline_health_message_cannot_add_a_release_trailer_to_the_rollback_commit() -> None:
    """The ledger reads a commit's release from its first trailer line: an Argo CD message
    with line breaks, copied into the hold reason of the commit message, named another one."""
    verdict = _verdict(_application(INJECTED))
    assert verdict.ready
    change = Change("production", "app", "r.example/app", (), "1.0.0", None, "1.1.0", None, "")
    rel = autorollback.with_holds(Release("production", (change,)), verdict)
    message = rel.commit_message("{environment}: {summary}")
    trailers = re.findall(rf"^{TRAILER}:\s*(\S+)\s*$", message, re.MULTILINE)
    assert trailers == [rel.release_id]
    assert not re.search(r"^Signed-off-by:", message, re.MULTILINE)


def test_argo_cd_messages_reach_reasons_and_warnings_as_one_bounded_line() -> None:
    live = read_live(_application(INJECTED, operation_message="sync failed:\r\n" + "y" * 50_000))
    for text in (live.health_message, live.operation_message):
        assert "\n" not in text and "\r" not in text
        assert len(text) <= 500
    reason = _verdict(_application(INJECTED)).reason()
    assert "\n" not in reason and len(reason) < 1000
    assert reason.startswith("release production-0123456789ab Degraded (progress deadline exceeded ")


def test_a_short_one_line_message_is_kept_as_argo_cd_wrote_it() -> None:
    live = read_live(_application("Deployment app: progress deadline exceeded"))
    assert live.health_message == "Deployment app: progress deadline exceeded"
