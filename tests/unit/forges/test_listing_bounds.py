"""Every forge listing is bounded by items and bytes, not by pages alone: a page holding more
than the page size the bot asked for (never more than the service documents) is refused at
once, before another page is asked; a listing past its item bound fails closed."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

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


def _forges() -> dict[str, tuple[Callable[[httpx.MockTransport], Any], Callable[[int, int], httpx.Response]]]:
    """Each forge's pull-request listing, answered by ``page(items, number)``: a page in the
    forge's own shape that always names a next page."""
    from gitops_bot.forges.azure_devops.adapter import AzureDevOps
    from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud
    from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
    from gitops_bot.forges.gitea.adapter import Gitea
    from gitops_bot.forges.gitlab.adapter import GitLab
    from gitops_bot.forges.settings import ForgeConfig

    env = {
        "GITLAB_TOKEN": "t0k3n",
        "GITEA_TOKEN": "t0k3n",
        "AZURE_DEVOPS_TOKEN": "t0k3n",
        "BITBUCKET_TOKEN": "t0k3n",
    }
    host = "https://forge.example.com"

    def array(items: int, n: int) -> httpx.Response:
        link = f'<{host}/next?page={n + 1}>; rel="next"'
        return httpx.Response(200, json=[{}] * items, headers={"Link": link, "X-Next-Page": str(n + 1)})

    return {
        "GitLab": (
            lambda t: GitLab.connect(
                ForgeConfig(type="gitlab", api_url=f"{host}/api/v4", repository="acme/gitops"),
                host,
                env,
                transport=t,
            ),
            array,
        ),
        "Gitea": (
            lambda t: Gitea.connect(
                ForgeConfig(type="gitea", api_url=f"{host}/api/v1", repository="acme/gitops"),
                host,
                env,
                transport=t,
            ),
            array,
        ),
        "Azure DevOps": (
            lambda t: AzureDevOps.connect(
                ForgeConfig(type="azure-devops", api_url=host),
                "https://dev.azure.com/acme/web/_git/gitops",
                env,
                transport=t,
            ),
            lambda items, n: httpx.Response(
                200, json={"value": [{}] * items, "count": items}, headers={"x-ms-continuationtoken": f"c{n}"}
            ),
        ),
        "Bitbucket Cloud": (
            lambda t: BitbucketCloud.connect(
                ForgeConfig(type="bitbucket-cloud", api_url=f"{host}/2.0"),
                "https://bitbucket.org/acme/gitops.git",
                env,
                transport=t,
            ),
            lambda items, n: httpx.Response(
                200,
                json={
                    "values": [{}] * items,
                    "next": f"{host}/2.0/repositories/acme/gitops/pullrequests?page={n + 1}",
                },
            ),
        ),
        "Bitbucket Data Center": (
            lambda t: BitbucketDataCenter.connect(
                ForgeConfig(type="bitbucket-data-center", api_url=host, repository="ACME/gitops"),
                f"{host}/scm/acme/gitops.git",
                env,
                transport=t,
            ),
            lambda items, n: httpx.Response(
                200,
                json={
                    "values": [{}] * items,
                    "isLastPage": False,
                    "start": n * items,
                    "nextPageStart": (n + 1) * items,
                },
            ),
        ),
    }


SIZES = {"GitLab": 100, "Gitea": 50, "Azure DevOps": 100, "Bitbucket Cloud": 50, "Bitbucket Data Center": 100}


@pytest.mark.parametrize("name", list(SIZES))
def test_a_page_larger_than_asked_for_is_refused_at_once_on_every_forge(name: str) -> None:
    connect, page = _forges()[name]
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return page(SIZES[name] + 1, len(asked))

    forge = connect(httpx.MockTransport(handler))
    with pytest.raises(ForgeUnavailable, match=rf"^{name} answered {SIZES[name] + 1} items in one page of "):
        forge.open_pulls("gitops-bot")
    assert len(asked) == 1


@pytest.mark.parametrize("name", list(SIZES))
def test_a_listing_of_full_pages_without_end_fails_closed_at_its_bound(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full pages, each naming the next: the listing fails at its bound, never a shortened list."""
    import importlib

    module = {
        "GitLab": "gitlab",
        "Gitea": "gitea",
        "Azure DevOps": "azure_devops",
        "Bitbucket Cloud": "bitbucket_cloud",
        "Bitbucket Data Center": "bitbucket_dc",
    }[name]
    adapter = importlib.import_module(f"gitops_bot.forges.{module}.adapter")
    monkeypatch.setattr(adapter, "MAX_OPEN_PAGES" if name == "GitLab" else "MAX_PAGES", 3)
    connect, page = _forges()[name]
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return page(SIZES[name], len(asked))

    with pytest.raises(ForgeUnavailable, match=rf"^{name} listed more than 3 pages for "):
        connect(httpx.MockTransport(handler)).open_pulls("gitops-bot")
    assert len(asked) == 3


@pytest.mark.parametrize("kind", ["azure-devops", "bitbucket-cloud", "bitbucket-data-center"])
def test_a_comparison_page_larger_than_asked_is_not_read(kind: str) -> None:
    """The release notes' commit lists are paged too: a page of thousands of commits where 100
    were asked is one line in the notes, not thousands of commits read."""
    from gitops_bot.forges import compare_kit
    from gitops_bot.forges.azure_devops import compare as azure
    from gitops_bot.forges.bitbucket_cloud import compare as cloud
    from gitops_bot.forges.bitbucket_dc import compare as data_center
    from gitops_bot.net.service import Service

    commit = {"commitId": "a" * 40, "hash": "a" * 40, "id": "a" * 40, "comment": "c", "message": "c"}
    many = [commit] * 5_000
    body = {"value": many} if kind == "azure-devops" else {"values": many, "isLastPage": False, "next": None}
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json=body)

    host = "https://forge.example.com"
    repository, path, compare = {
        "azure-devops": (f"{host}/acme/web/_git/app", "acme/web/_git/app", azure.compare),
        "bitbucket-cloud": (f"{host}/acme/app", "acme/app", cloud.compare),
        "bitbucket-data-center": (
            f"{host}/projects/ACME/repos/app",
            "projects/ACME/repos/app",
            data_center.compare,
        ),
    }[kind]
    api = f"{host}/2.0" if kind == "bitbucket-cloud" else host
    service = Service("forge", host, transport=httpx.MockTransport(handler))
    ask = compare_kit.Ask(service, kind, repository, path, repository, "b" * 40, "c" * 40, api)
    with pytest.raises(
        compare_kit.CompareUnavailable, match="answered 5000 commits in one page, more than the 100"
    ):
        compare(ask)
    assert len(asked) == 1


def test_a_listing_past_its_byte_bound_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages within their item count but heavy: the listing stops at its byte bound, in one
    line, rather than holding whatever the forge sends."""
    from gitops_bot.forges import kit

    monkeypatch.setattr(kit, "LISTING_BYTES", 2 << 20)
    heavy = json.dumps([{**_pull(n), "body": "x" * 12_000} for n in range(100)]).encode()  # 1.2 MB
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        nxt = f'<{API}/repos/acme/gitops/pulls?page={len(asked) + 1}>; rel="next"'
        return httpx.Response(200, content=heavy, headers={"Content-Type": "application/json", "Link": nxt})

    hub = GitHub.connect(
        CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_x"}, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(ForgeUnavailable, match=r"^GitHub listed more than 2 MiB for open pull requests"):
        hub.open_pulls("gitops-bot")
    assert len(asked) == 2  # the second page passed the bound: no third is asked


def test_a_listing_of_dense_pages_stops_at_its_member_bound_in_bounded_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages within their item count and their bytes, each item thousands of tiny members:
    parsed, such JSON weighs some 11 times its bytes (13 pages of 8 MB held 1.2 GB for 90 s
    under the byte bound alone); the listing stops at its member bound."""
    from gitops_bot.forges import kit

    monkeypatch.setattr(kit, "LISTING_MEMBERS", 400_000)
    dense = json.dumps(
        [{**_pull(n), **{f"{n}k{i}": [] for i in range(2_000)}} for n in range(100)], separators=(",", ":")
    ).encode()  # some 200,800 members, 2.4 MB
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        nxt = f'<{API}/repos/acme/gitops/pulls?page={len(asked) + 1}>; rel="next"'
        return httpx.Response(200, content=dense, headers={"Content-Type": "application/json", "Link": nxt})

    hub = GitHub.connect(
        CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_x"}, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(
        ForgeUnavailable, match=r"^GitHub listed more than 400000 fields for open pull requests"
    ):
        hub.open_pulls("gitops-bot")
    assert len(asked) == 2  # the second page passed the bound: no third is asked
