"""A count reads in its number's form wherever a surface writes one: "1 failure restored",
"1 image change in 1 release", "(1 day)", never "1 failures" or "1 image changes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.engine.report import Reports
from gitops_bot.output.report_text import report_rows, report_text, rests_on
from gitops_bot.output.words import counted
from gitops_bot.release.dora import Cause, ChangeFailure, Durations, Report


def test_counted() -> None:
    assert counted(1, "failure") == "1 failure" and counted(0, "failure") == "0 failures"
    assert counted(2, "image change") == "2 image changes" and counted(1.0, "day") == "1 day"
    assert counted(1.5, "day") == "1.5 days" and counted(1_234_567, "tag") == "1234567 tags"
    assert counted(3, "repository", "repositories") == "3 repositories"


def test_a_report_of_one_counts_in_the_singular() -> None:
    one = Durations((timedelta(minutes=15),), 1)
    assert rests_on(one, "image change") == "1 image change in 1 release"
    assert rests_on(Durations((), 0), "failure") == "0 failures in 0 releases"
    since = datetime(2026, 11, 25, tzinfo=UTC)
    failed = since + timedelta(hours=1)
    failure = ChangeFailure(
        "staging-1", failed, Cause.AUTO_ROLLBACK, "staging-2", "example/app", failed + one.values[0]
    )
    r = Report("staging", since, since + timedelta(days=1), (), frozenset(), one, (failure,), 1)
    found = Reports((r,), since, since + timedelta(days=1))
    text = report_text(found)
    assert "(1 day)" in text and "1 image change in 1 release" in text and "1 failure restored" in text
    assert "of 1 release " in text and "1 image changes" not in text and "1 failures" not in text, text
    row = report_rows(found)[-1]
    assert "1 image change in 1 release" in row and "1 failure in 1 release" in row, row
