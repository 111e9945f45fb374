"""The status page as ``watch`` serves it: bodies made when the loop publishes, never on a
request; ETag and Last-Modified revalidation (304 without a body); a token asked as a Bearer or
as a Basic password, never echoed; security headers; and the watch cycle publishing each
repository's status (or why it has none) after its run."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from gitops_bot.core.errors import ServiceUnavailable
from gitops_bot.engine.report import Reports
from gitops_bot.engine.results import Status
from gitops_bot.output import status_html
from gitops_bot.watch import Watcher
from gitops_bot.watch.page import SCHEMA, Snapshot, StatusPage

TOKEN = "status-page-token-123456"
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


class Renders:
    """status_html.render, counted: a request must never cause one."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, sections: Sequence[Snapshot], version: str) -> str:
        self.calls += 1
        return status_html.render(sections, version)


def page(token: str | None = None) -> tuple[StatusPage, Renders]:
    r = Renders()
    return StatusPage(r, csp=status_html.CONTENT_SECURITY_POLICY, token=token), r


def headers_of(answer: Any) -> dict[str, str]:
    return dict(answer.headers)


def test_requests_are_served_from_memory_and_only_a_publish_renders() -> None:
    p, renders = page()
    p.publish(Snapshot(None, T0, Status(())))
    made = renders.calls
    for _ in range(50):
        for path in ("/", "/status.json"):
            a = p.answer(path, {})
            assert a is not None and a.status == 200
    assert renders.calls == made
    doc = json.loads(p.answer("/status.json", {}).text)  # type: ignore[union-attr]
    assert doc["schema"] == SCHEMA
    assert doc["repositories"][0]["status"] == {
        "schema": "gitops-bot/status/v1",
        "complete": True,
        "rows": [],
    }


def test_an_unchanged_page_is_a_304_without_a_body_and_a_new_cycle_changes_the_etag() -> None:
    p, _ = page()
    p.publish(Snapshot(None, T0, Status(())))
    first = p.answer("/status.json", {})
    assert first is not None
    etag, modified = headers_of(first)["ETag"], headers_of(first)["Last-Modified"]
    assert headers_of(first)["Cache-Control"] == "no-cache"
    for asked in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = p.answer("/status.json", {"If-None-Match": asked})
        assert again is not None and (again.status, again.text) == (304, "")
    assert p.answer("/status.json", {"if-modified-since": modified}).status == 304  # type: ignore[union-attr]
    earlier = format_datetime(T0 - timedelta(seconds=1), usegmt=True)
    assert p.answer("/status.json", {"If-Modified-Since": earlier}).status == 200  # type: ignore[union-attr]
    # If-None-Match decides over If-Modified-Since when both are sent
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert p.answer("/status.json", both).status == 200  # type: ignore[union-attr]

    p.publish(Snapshot(None, T0 + timedelta(minutes=5), error="registry unavailable"))
    later = p.answer("/status.json", {"If-None-Match": etag})
    assert later is not None and later.status == 200 and headers_of(later)["ETag"] != etag
    html = p.answer("/", {})
    assert html is not None and headers_of(html)["ETag"] != headers_of(later)["ETag"]  # one per body
    assert "registry unavailable" in html.text


@pytest.mark.parametrize(
    "since",
    [
        "Mon, 01 Jan 12345678901234567890 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 -1400",
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Mon, 01 Jan 0001 00:00:00 +1400",
        "yesterday",
    ],
)
def test_an_if_modified_since_out_of_range_or_unreadable_is_ignored_and_the_page_served(since: str) -> None:
    p, _ = page()
    p.publish(Snapshot(None, T0, Status(())))
    answer = p.answer("/status.json", {"If-Modified-Since": since})
    assert answer is not None and answer.status == 200 and answer.text


def test_the_page_carries_its_security_headers() -> None:
    p, _ = page()
    a = p.answer("/", {})
    assert a is not None and a.content_type == "text/html; charset=utf-8"
    h = headers_of(a)
    assert h["Content-Security-Policy"] == status_html.CONTENT_SECURITY_POLICY
    assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "no-referrer"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}", f"bearer  {TOKEN} ", basic("anyone", TOKEN), basic("", TOKEN)]
)
def test_with_a_token_a_bearer_or_a_basic_password_opens_the_page(authorization: str) -> None:
    p, _ = page(TOKEN)
    for path in ("/", "/status.json"):
        a = p.answer(path, {"Authorization": authorization})
        assert a is not None and a.status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": basic(TOKEN, "")},
        {"Authorization": "Basic %%%"},
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
def test_without_the_token_the_answer_is_401_asking_for_basic_and_says_nothing_else(
    headers: dict[str, str],
) -> None:
    p, _ = page(TOKEN)
    p.publish(Snapshot(None, T0, Status(())))
    for path in ("/", "/status.json"):
        a = p.answer(path, headers)
        assert a is not None and (a.status, a.text) == (401, "unauthorized\n")
        h = headers_of(a)
        assert h["WWW-Authenticate"].startswith("Basic realm=") and "ETag" not in h
        assert TOKEN not in repr(a)


def test_other_paths_are_not_the_pages() -> None:
    p, _ = page(TOKEN)
    assert p.answer("/healthz", {}) is None and p.answer("/index.html", {}) is None


DELIVERY = Reports((), T0 - timedelta(days=30), T0)  # no environment: the figures' own tests are elsewhere


class FakeUpdater:
    """What the watch loop asks of one repository's updater: a run, then a read-only session
    (its status, and its delivery figures)."""

    def __init__(self, found: Callable[[], Status]) -> None:
        self.found = found
        self.sessions: list[bool] = []

    def run(self, envs: Any, should_stop: Callable[[], bool]) -> list[Any]:
        return []

    def open(self, fn: Callable[[Any], Any], *, sign: bool) -> tuple[Status, Reports]:
        self.sessions.append(sign)
        return self.found(), DELIVERY


def test_each_cycle_publishes_the_repositorys_status_from_a_read_only_session() -> None:
    p, _ = page()
    updater = FakeUpdater(lambda: Status(()))
    w = Watcher(lambda: updater, interval=60, page=p)
    w.cycle()
    assert updater.sessions == [False]  # sign=False: the status never commits
    doc = json.loads(p.answer("/status.json", {}).text)  # type: ignore[union-attr]
    assert [r["status"]["complete"] for r in doc["repositories"]] == [True]


def test_a_status_that_cannot_be_computed_is_shown_with_its_reason_and_the_loop_goes_on() -> None:
    def down() -> Status:
        raise ServiceUnavailable("git remote unavailable: http://user:hunter22secret@git.test/x")

    p, _ = page()
    w = Watcher(lambda: FakeUpdater(down), interval=60, page=p)
    assert w.cycle() == (True, False)  # the update itself worked
    (repo,) = json.loads(p.answer("/status.json", {}).text)["repositories"]  # type: ignore[union-attr]
    assert repo["status"] is None and "git remote unavailable" in repo["error"]
    assert "hunter22secret" not in repo["error"]


def test_without_a_page_the_delivery_figures_are_read_only_once_metrics_has_a_reader() -> None:
    """A month of history is walked for the figures only when something reads them: a watch
    nobody scrapes opens no session after its runs; after the first scrape each cycle reads
    them in one read-only session."""
    updater = FakeUpdater(lambda: Status(()))
    w = Watcher(lambda: updater, interval=60)
    w.cycle()
    assert updater.sessions == []
    assert "gitops_bot_dora_period_seconds 2" not in w.metrics.render().decode()  # the first scrape
    w.cycle()
    assert updater.sessions == [False]
    assert "gitops_bot_dora_period_seconds 2.592e+06" in w.metrics.render().decode()


def test_many_repositories_are_shown_in_their_listed_order_and_one_failing_hides_no_other() -> None:
    def down() -> Status:
        raise ServiceUnavailable("registry unavailable")

    p, _ = page()
    makers = {
        "https://git.test/b.git": lambda: FakeUpdater(lambda: Status(())),
        "https://user:s3cr3t-token@git.test/a.git": lambda: FakeUpdater(down),
    }
    w = Watcher(makers, interval=60, page=p)
    w.cycle()
    w.cycle()  # a second cycle replaces each repository's entry, never adds one
    repos = json.loads(p.answer("/status.json", {}).text)["repositories"]  # type: ignore[union-attr]
    assert [r["repository"] for r in repos] == ["https://git.test/b.git", "https://user:***@git.test/a.git"]
    assert repos[0]["status"] is not None and repos[1]["error"] == "registry unavailable"
    assert "s3cr3t" not in p.answer("/", {}).text  # type: ignore[union-attr]


def test_the_page_is_dated_by_the_clock_the_decisions_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock set for the run (the playground's, a test's) dates the page too: "computed at"
    never disagrees with the "until" times the decisions on the same page give."""
    from gitops_bot.core import instants
    from gitops_bot.watch import targets

    then = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    monkeypatch.setattr(instants, "system_clock", lambda: then)

    class Updater:
        def open(self, work: object, sign: bool) -> object:
            return None, "not read"

    target = targets.WatchTarget(None, Updater)
    target.updater = Updater()
    assert targets.compute(target, None, targets.Run(True, 0.0)).computed_at == then
    target.updater = None
    assert targets.compute(target, None, targets.Run(False, 0.0, error="x")).computed_at == then
