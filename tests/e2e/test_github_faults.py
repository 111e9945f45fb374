"""Fault suite, GitHub side: each row is an answer GitHub may give, served over real HTTP by
the local GitHub server (``fail``: the retry's real Retry-After sleep is the very thing under
test), and the one clean error, its exit code and what the message must carry.
No row may sleep past the bound; none may leak the token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.config import GitHubConfig
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.forges.github.adapter import GitHub
from testkit.github_responses import REPO, Planned, client, pull
from testkit.github_server import FakeGitHub

TOKEN = "ghp_secret_value_123"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub("acme/gitops", tmp_path, token=TOKEN) as srv:
        yield srv


@dataclass(frozen=True)
class Case:
    id: str
    status: int
    json: Any
    headers: dict[str, str] = field(default_factory=dict)
    exit_code: int = 3
    match: str = ""


CASES = [
    Case(
        "secondary-retry-after-99999",
        403,
        {"message": "secondary rate limit"},
        {"Retry-After": "99999"},
        match="rate limit.*resets at",
    ),
    Case("429-retry-after-3600", 429, {"message": "slow down"}, {"Retry-After": "3600"}, match="resets at"),
    Case(
        "primary-reset-in-an-hour",
        403,
        {"message": "API rate limit exceeded"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)},
        match="resets at",
    ),
    Case(
        "primary-reset-past-year-9999",
        403,
        {"message": "API rate limit exceeded"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9" * 30},
        match="rate limit",
    ),
    Case(
        "secondary-retry-after-past-year-9999",
        403,
        {"message": "secondary rate limit"},
        {"Retry-After": "9" * 30},
        match="rate limit.*resets at",
    ),
    Case(
        "401-bad-credentials",
        401,
        {"message": "Bad credentials"},
        match="Bad credentials.*check the GitHub token",
    ),
    Case(
        "422-with-errors",
        422,
        {"message": "Validation Failed", "errors": [{"message": "head sha can't be blank"}]},
        match="Validation Failed; head sha can't be blank",
    ),
    Case(
        "422-errors-with-codes",
        422,
        {"message": "Validation Failed", "errors": [{"code": "invalid"}, "x"]},
        match="Validation Failed; invalid; x",
    ),
    Case("403-no-access", 403, {"message": "Resource not accessible by integration"}, match="write access"),
    Case("404", 404, {"message": "Not Found"}, match="github.repository"),
    Case("500-every-time", 500, {"message": "boom"}, match="HTTP 500|after retries"),
    Case("html-error-page", 502, "<html>bad gateway</html>", match="502|after retries"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_github_answer_is_one_clean_error(case: Case, fake: FakeGitHub) -> None:
    fake.fail["POST /repos/acme/gitops/pulls"] = (case.status, case.json, case.headers)
    g = GitHub.connect(
        GitHubConfig(repository="acme/gitops", api_url=f"{fake.url}/api/v3", write_interval=0),
        "acme/gitops",
        {"GITHUB_TOKEN": TOKEN},
        max_wait=3,
    )
    started = time.monotonic()
    with pytest.raises(GitOpsBotError, match=case.match) as err:
        g.create("gitops-bot/staging", "main", "t", f"body {TOKEN}", draft=False)
    assert time.monotonic() - started < 3, "a rate limit wait must stay within its bound"
    assert err.value.exit_code == case.exit_code
    assert TOKEN not in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 403, 404])
def test_decoration_failure_after_the_pr_exists_is_a_warning(
    status: int,
    rsps: Planned,
) -> None:
    rsps.assert_all_requests_are_fired = False
    rsps.get(f"{REPO}/pulls", json=[pull(5)])
    for _ in range(5):
        rsps.post(f"{REPO}/issues/5/labels", status=status, json={"message": "nope"})
        rsps.post(f"{REPO}/issues/5/assignees", status=status, json={"message": "nope"})
    g = client(max_wait=1)
    pr = g.open_pulls("gitops-bot")["gitops-bot/staging"]
    warnings = g.decorate(pr, labels=["release"], reviewers=[], assignees=["bob"], auto_merge=None)
    assert [w.split(":")[1].strip() for w in warnings] == ["could not set labels", "could not set assignees"]


@pytest.mark.parametrize(
    "key", ["garbage", "-----BEGIN RSA PRIVATE KEY-----\\nnope\\n-----END RSA PRIVATE KEY-----"]
)
def test_malformed_app_key_is_one_usage_line(key: str) -> None:
    cfg = GitHubConfig(repository="acme/gitops", api_url="http://127.0.0.1:9")
    with pytest.raises(UsageError, match=r"private key .* is unusable"):
        GitHub.connect(cfg, "acme/gitops", {cfg.app_id_env: "1", cfg.app_key_env: key})
