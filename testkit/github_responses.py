"""GitHub's REST answers planned one by one for the adapter's own client: the repository's API
address, a pull request as GitHub returns it, and a connected client.

:class:`Planned` is the GitHub side of a conversation: answers registered per method and URL
(``planned.get(url, status=..., json=..., headers=...)``), the requests seen in ``calls``. It
answers through ``httpx.MockTransport`` on the one client (a planned URL without a query
answers the path whatever its query), so every request still goes through
the bot's own deadline, size bound, origin rule and retry. A URL asked more often than planned
gets its last answer again; a request nobody planned for fails the test, and so does a planned
answer never asked for (unless ``assert_all_requests_are_fired`` is turned off).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gitops_bot.config import GitHubConfig
from gitops_bot.forges import kit
from gitops_bot.forges.github import adapter as gh_mod
from gitops_bot.forges.github.adapter import GitHub

API = "https://ghe.example.com/api/v3"
REPO = f"{API}/repos/acme/gitops"
CFG = GitHubConfig(repository="acme/gitops", api_url=API, write_interval=0)


def pull(n: int, head: str = "gitops-bot/staging", title: str = "t", body: str = "b") -> dict[str, Any]:
    """An open pull request as GitHub's REST API returns it."""
    return {
        "number": n,
        "node_id": f"PR_{n}",
        "state": "open",
        "title": title,
        "body": body,
        "url": f"{API}/repos/acme/gitops/pulls/{n}",
        "issue_url": f"{API}/repos/acme/gitops/issues/{n}",
        "html_url": f"https://ghe.example.com/acme/gitops/pull/{n}",
        "head": {"ref": head, "repo": {"full_name": "acme/gitops"}},
        "base": {"ref": "main"},
    }


@dataclass(frozen=True)
class Seen:
    """A request as it reached GitHub: its URL (with the query), body and headers."""

    method: str
    url: str
    body: bytes
    headers: httpx.Headers


@dataclass(frozen=True)
class Call:
    request: Seen


@dataclass
class _Answer:
    method: str
    url: str
    status: int
    json: Any
    headers: dict[str, str]
    asked: int = 0


@dataclass
class Planned:
    """See the module's text."""

    answers: list[_Answer] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    unplanned: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # the retry's waits, not slept
    assert_all_requests_are_fired: bool = True

    def add(
        self,
        method: str,
        url: str,
        *,
        status: int = 200,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.answers.append(_Answer(method, url, status, json, dict(headers or {})))

    def get(self, url: str, **kw: Any) -> None:
        self.add("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> None:
        self.add("POST", url, **kw)

    def patch(self, url: str, **kw: Any) -> None:
        self.add("PATCH", url, **kw)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.calls.append(Call(Seen(request.method, url, request.read(), request.headers)))
        # a planned URL with a query must be asked with exactly that query (a next page)
        matching = [
            a
            for a in self.answers
            if a.method == request.method and a.url == (url if "?" in a.url else url.split("?")[0])
        ]
        if not matching:
            self.unplanned.append(f"{request.method} {url}")
            raise httpx.ConnectError(f"no answer planned for {request.method} {url}", request=request)
        answer = next((a for a in matching if not a.asked), matching[-1])
        answer.asked += 1
        content = b"" if answer.json is None else jsonlib.dumps(answer.json).encode()
        headers = {"Content-Type": "application/json", **answer.headers}
        return httpx.Response(answer.status, content=content, headers=headers)

    def check(self) -> None:
        assert not self.unplanned, f"requests nobody planned for: {self.unplanned}"
        if self.assert_all_requests_are_fired:
            never = [f"{a.method} {a.url}" for a in self.answers if not a.asked]
            assert not never, f"planned answers never asked for: {never}"


def mocked_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[Planned]:
    """Every request of the GitHub adapter answered by a :class:`Planned`, the retry's waits
    recorded instead of slept."""
    planned = Planned()
    transport = httpx.MockTransport(planned)

    def api(*args: Any, **kw: Any) -> kit.Api:
        return kit.Api(*args, **{**kw, "transport": transport})

    monkeypatch.setattr(gh_mod, "Api", api)
    monkeypatch.setattr(kit, "_sleep", planned.waits.append)
    yield planned
    planned.check()


def client(max_wait: float = 5.0) -> GitHub:
    """The bot's GitHub client for acme/gitops on the mocked API, with a token."""
    return GitHub.connect(CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_secret_value_123"}, max_wait=max_wait)
