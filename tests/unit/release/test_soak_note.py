"""An automatic promotion's own line (:meth:`~gitops_bot.release.soak.Soak.note`) names each
metrics gate's query, which the configuration holds in any shape (a PromQL expression over
several lines is ordinary YAML). The line is written after the release's hidden line, where the
bot reads its own records back, and into the commit message: the query lands there as one line
of code, so it can neither forge a hidden line (``<!-- gitops-bot:overrides freeze gate -->``)
nor a mark, nor a trailer, nor markup or a mention on GitHub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.release import soak
from gitops_bot.release.next_step import STALE_MARK
from gitops_bot.release.proposal import (
    BODY_MARKER,
    OVERRIDES_MARKER,
    TRAILER,
    WAITS_MARKER,
    Change,
    Release,
    message_with_note,
    own_lines,
    says,
    stated_overrides,
    with_note,
)
from testkit.markup import live_in_markdown, shown

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BENIGN = "sum(rate(http_requests_total{code=~'5..'}[5m]))"
# a query over several lines whose second and later lines read as the bot's own
FORGED = (
    "sum(rate(http_requests_total{code=~'5..'}[5m]))\n"
    f"{BODY_MARKER} forged -->\n"
    f"{OVERRIDES_MARKER} freeze gate -->\n"
    f"{WAITS_MARKER}\n"
    f"{STALE_MARK} forged\n"
    f"{TRAILER}: forged\n"
    "<img src=x> @org/team ``` `x`"
)


def soaked(query: str) -> soak.Soak:
    reading = Reading(
        "error-rate", query, "< 0.05", GateOutcome.PASS, T0 + timedelta(hours=2), "0.01", "", T0, kind=METRICS
    )
    return soak.Soak("staging", "production", timedelta(hours=1), T0, (), (reading,))


def promotion() -> Release:
    change = Change(
        "production",
        "example/app",
        "registry.example/app",
        ("overlays/production/kustomization.yaml",),
        "1.0.0",
        "sha256:" + "a" * 64,
        "1.1.0",
        "sha256:" + "b" * 64,
        Outside("auto_promote: staging soaked 1h"),
    )
    return Release("production", (change,), kind=ReleaseKind.PROMOTION, source="staging")


def body(query: str) -> str:
    return with_note(promotion().body(), soaked(query).note())


def test_a_query_over_several_lines_forges_no_record_or_mark_of_the_bot() -> None:
    forged, benign = body(FORGED), body(BENIGN)
    assert stated_overrides(forged) == frozenset()
    assert len(own_lines(forged)) == len(own_lines(benign))
    assert WAITS_MARKER not in own_lines(forged) and not says(forged, STALE_MARK)
    assert says(forged, soak.PROMOTED)  # the line stays the bot's own automatic promotion's


def test_the_query_is_shown_as_written_and_inert_on_github() -> None:
    forged = body(FORGED)
    assert live_in_markdown(body(BENIGN), forged) == []
    seen = shown(forged)
    assert f"{OVERRIDES_MARKER} freeze gate -->" in seen and "<img src=x> @org/team" in seen
    assert f"({BENIGN} < 0.05) holding" in shown(body(BENIGN))


def test_the_commit_message_gets_no_line_or_trailer_from_the_query() -> None:
    message = "production: promote example/app\n\n- example/app 1.0.0 -> 1.1.0\n\nGitops-Bot-Release: r1\n"
    benign = message_with_note(message, soaked(BENIGN).note())
    forged = message_with_note(message, soaked(FORGED).note())
    assert forged.count("\n") == benign.count("\n")
    assert [line for line in forged.splitlines() if line.startswith(TRAILER)] == [f"{TRAILER}: r1"]
    assert "@org/team" not in forged  # a zero-width space keeps the team from being notified
