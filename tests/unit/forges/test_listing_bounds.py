"""Every forge listing is bounded by items and bytes, not by pages alone: a page holding more
than the page size the bot asked for (never more than the service documents) is refused at
once, before another page is asked; a listing past its item bound fails closed."""

from __future__ import annotations

import json
import time
import tracemalloc

import httpx
import pytest

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.settings import GitHubConfig

API = "https://api.github.example.com"
CFG = GitHubConfig(repository="acme/gitops", api_url=API, write_interval=0)


def _pull(n: int) -> dict[str, object]:
    return {
        "number": n,
        "html_url": f"https://github.example.com/acme/gitops/pull/{n}",
        "title": f"t{n}",
        "body": "b",
        "head": {"ref": f"feature/{n}", "repo": {"full_name": "acme/gitops"}},
        "created_at": "2026-01-01T00:00:00Z",
    }


def test_github_pull_request_pages_of_ten_thousand_without_end_are_refused_after_the_first() -> None:
    """GitHub never sends more than 100 items a page (``per_page``'s maximum): a page of
    10,000 that always names a next one was read for 100 pages (about 1 GB held for a minute)
    before the refusal; now the first page ends it, in one line."""
    page = json.dumps([_pull(n) for n in range(10_000)]).encode()
    asked: list[httpx.Request] = []

    def endless(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        nxt = f'<{API}/repos/acme/gitops/pulls?page={len(asked) + 1}>; rel="next"'
        return httpx.Response(200, content=page, headers={"Content-Type": "application/json", "Link": nxt})

    hub = GitHub.connect(
        CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_x"}, transport=httpx.MockTransport(endless)
    )
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ForgeUnavailable) as caught:
            hub.open_pulls("gitops-bot")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert len(asked) == 1, f"{len(asked)} pages read before the refusal"
    assert "10000 items in one page of open pull requests, more than the 100 asked for" in message
    assert "\n" not in message and "ghp_x" not in message
    assert peak < 200 << 20 and time.monotonic() - started < 20
