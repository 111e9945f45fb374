"""A forge's compare answer is input like any other: a redirect off the API's origin is not
followed (the token stays on its origin), one within it is (GitHub's answer for a renamed
repository); an answer that is not a comparison, too deep, too large, or a commit without an id
is one line saying so, never an exception out of the release; a 5xx is asked once more."""

from __future__ import annotations

import json

import httpx
import pytest

from gitops_bot.core.secret import Secret
from gitops_bot.forges import compare_kit as compare
from gitops_bot.forges import sources
from gitops_bot.forges.compare_kit import CompareUnavailable
from gitops_bot.forges.sources import Sources, hosts_for
from gitops_bot.net.retry import RetryPolicy

API = "https://ghe.example.com/api/v3"
REPO = "https://ghe.example.com/acme/app"
BASE, HEAD = "a" * 40, "b" * 40


@pytest.fixture(autouse=True)
def _quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compare's retry policy with its attempts and 1/100 of its waits: the tests mean the
    asking again (and the giving up), not the pacing."""
    assert sources.RETRY.attempts == 2
    monkeypatch.setattr(sources, "RETRY", RetryPolicy(attempts=2, initial_wait=0.005, max_wait=0.02))


def _sources(handler: httpx.MockTransport) -> Sources:
    return Sources(hosts_for("github", API, None, Secret.for_urls("tok-123456", [API])), transport=handler)


def _answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers or {}))


@pytest.mark.parametrize(
    ("status", "body", "headers", "line"),
    [
        (302, b"", {"Location": "https://elsewhere.example/x"}, "redirected to another origin"),
        (200, b"[1, 2]", None, "not a comparison"),
        (200, b"not json", None, "not JSON"),
        (200, json.dumps({"commits": [{"commit": {"message": "x"}}]}).encode(), None, "without an id"),
        (200, b"[" * 10_000 + b"]" * 10_000, None, "JSON nested deeper than 64 levels"),
        (401, b"{}", None, "HTTP 401"),
        (500, b"{}", None, "HTTP 500"),
    ],
)
def test_a_bad_answer_is_one_line(
    status: int, body: bytes, headers: dict[str, str] | None, line: str
) -> None:
    with pytest.raises(CompareUnavailable, match=line):
        _sources(_answer(status, body, headers)).compare(REPO, BASE, HEAD)


def test_an_answer_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare, "MAX_BODY", 1024)
    with pytest.raises(CompareUnavailable, match="answered more than 1024 bytes"):
        _sources(_answer(200, b" " * 4096)).compare(REPO, BASE, HEAD)


def test_the_token_goes_with_the_request_to_its_own_origin_only() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={"commits": [], "total_commits": 0})

    found = _sources(httpx.MockTransport(handler)).compare(REPO, BASE, HEAD)
    assert found.total == 0 and seen == ["token tok-123456"]


def test_a_revision_that_is_not_a_commit_id_is_not_sent() -> None:
    with pytest.raises(CompareUnavailable, match="not a commit id"):
        _sources(_answer(500, b"")).compare(REPO, "main", HEAD)


def test_a_renamed_repository_is_followed_on_the_apis_origin_with_its_token() -> None:
    """GitHub answers a renamed repository's API path with a 301 to the same API."""
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("Authorization")))
        if "/repos/acme/app/" in request.url.path:
            return httpx.Response(301, headers={"Location": f"{API}/repositories/7/compare/{BASE}...{HEAD}"})
        return httpx.Response(200, json={"commits": [], "total_commits": 0})

    found = _sources(httpx.MockTransport(handler)).compare(REPO, BASE, HEAD)
    assert found.total == 0
    assert [auth for _, auth in seen] == ["token tok-123456"] * 2
    assert seen[-1][0] == f"/api/v3/repositories/7/compare/{BASE}...{HEAD}"


def test_a_passing_outage_is_asked_once_more() -> None:
    statuses = [503, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0)
        return httpx.Response(status, json={"commits": [], "total_commits": 0} if status == 200 else {})

    assert _sources(httpx.MockTransport(handler)).compare(REPO, BASE, HEAD).total == 0
    assert statuses == []


def test_a_hosts_service_is_made_at_its_first_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most runs compare nothing (a watch's cycle over an unchanged repository makes its
    histories every cycle): a host's service, its credential read, waits for its first compare."""
    made: list[str] = []
    real = sources._service
    monkeypatch.setattr(sources, "_service", lambda host, t: made.append(host.api_url) or real(host, t))
    history = _sources(_answer(200, json.dumps({"commits": []}).encode()))
    assert made == []
    history.compare(REPO, BASE, HEAD)
    history.compare(REPO, BASE, HEAD)
    assert made == [API]
    history.close()
