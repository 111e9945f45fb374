"""GitHub's REST answers mocked with `responses` (PyGithub speaks through requests): the
repository's API address, a pull request as GitHub returns it, and a connected client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from requests.adapters import HTTPAdapter

from gitops_bot.config import GitHubConfig
from gitops_bot.forges.github import adapter as gh_mod
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.requests_net import NetAdapter

API = "https://ghe.example.com/api/v3"
REPO = "https://ghe.example.com:443/api/v3/repos/acme/gitops"  # PyGithub spells the port out
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


def mocked_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """Every request to GitHub answered by the mock (each registered answer must be asked for),
    with the client's back-off shortened."""
    monkeypatch.setattr(gh_mod, "BACKOFF", 0.01)
    # GitHub's requests go through gitops_bot.net's adapter: here they fall through to the
    # requests adapter that the mock replaces
    monkeypatch.setattr(NetAdapter, "send", lambda self, *a, **kw: HTTPAdapter.send(self, *a, **kw))
    with responses.RequestsMock(assert_all_requests_are_fired=True) as r:
        yield r


def client(max_wait: float = 5.0) -> GitHub:
    """The bot's GitHub client for acme/gitops on the mocked API, with a token."""
    return GitHub.connect(CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_secret_value_123"}, max_wait=max_wait)
