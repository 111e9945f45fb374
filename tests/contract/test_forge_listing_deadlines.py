"""Every paginated listing, on every forge, ends in time as well as in pages: a forge that pages
slowly (each page here "takes" 50 s on a clock the test controls) or without end is stopped
by the one shared bound (``gitops_bot.forges.kit.Api.list``: ``LISTING_SECONDS`` from the
first request, ``MAX_PAGES`` pages) with one line naming the listing, never a silently
shortened list and never a listing that runs for minutes. Against the local fakes held to each
forge's published description."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.forges import kit as forge
from gitops_bot.forges.azure_devops import adapter as azure_devops
from gitops_bot.forges.bitbucket_cloud import adapter as bitbucket_cloud
from gitops_bot.forges.bitbucket_dc import adapter as bitbucket_dc
from gitops_bot.forges.gitea import adapter as gitea
from gitops_bot.forges.github import adapter as github
from gitops_bot.forges.gitlab import adapter as gitlab
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_repo import remote_with_branch
from testkit.forge_server import stored_pull
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab

BRANCH = "gitops-bot/staging/app"
LABEL = "gitops-bot-dashboard"
SLOW = 50.0  # seconds each page "takes": the third page is past LISTING_SECONDS (90 s)
ENDLESS = 40  # pages a hostile fake names a next one for (today's unbounded reading ends there)

# (server, the listing to run, the path its pages are requested at)
Case = tuple[Any, Callable[[], object], str]


@contextmanager
def _github(remote: Path, what: str) -> Iterator[Case]:
    with FakeGitHub("acme/gitops", remote, endless_pages=ENDLESS) as server:
        cfg = GitHubConfig(repository="acme/gitops", api_url=server.url, write_interval=0)
        hub = github.GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": server.token})
        # every page holds these (a client stops at an empty page)
        hub.create(BRANCH, "main", "staging: release", "body", draft=False)
        hub.create_issue("gitops-bot dashboard", "body", LABEL)
        if what == "issues":
            yield server, lambda: hub.issues_labelled(LABEL), "/repos/acme/gitops/issues"
        else:
            yield server, lambda: hub.open_pulls("gitops-bot"), "/repos/acme/gitops/pulls"


@contextmanager
def _gitlab(remote: Path, what: str) -> Iterator[Case]:
    with FakeGitLab(remote, ci=False, endless_pages=ENDLESS) as server:
        cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository="acme/gitops")
        lab = gitlab.GitLab.connect(
            cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token}
        )
        # every page holds these (a client stops at an empty page)
        lab.create(BRANCH, "main", "staging: release", "body", draft=False)
        server.issues.append(
            {"iid": 1, "title": "t", "description": "d", "labels": [LABEL], "state": "opened"}
        )
        if what == "issues":
            yield server, lambda: lab.issues_labelled(LABEL), "/issues"
        else:
            yield server, lambda: lab.open_pulls("gitops-bot"), "/merge_requests"


@contextmanager
def _gitea(remote: Path, what: str) -> Iterator[Case]:
    with FakeGitea(remote) as server:
        sha = server.branch_sha(BRANCH) or ""
        for n in range(1, 151):  # 50 a page: three pages
            server.pulls.append(server._new({"title": f"t{n}", "head": f"feature/{n}", "base": "main"}, sha))
        cfg = ForgeConfig(type="gitea", api_url=server.url)
        tea = gitea.Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})
        yield server, lambda: tea.open_pulls("gitops-bot"), "/pulls"


@contextmanager
def _azure_devops(remote: Path, what: str) -> Iterator[Case]:
    with FakeAzureDevOps(remote) as server:
        sha = server.branch_sha(BRANCH) or ""
        for n in range(1, 301):  # 100 a page: three pages
            body = {
                "title": f"t{n}",
                "sourceRefName": f"refs/heads/feature/{n}",
                "targetRefName": "refs/heads/main",
            }
            server.pulls.append(server._new(body, sha))
            server.pulls[-1]["pullRequestId"] = n
        cfg = ForgeConfig(type="azure-devops", api_url=server.url)
        ado = azure_devops.AzureDevOps.connect(
            cfg, "https://dev.azure.com/acme/Web%20Site/_git/gitops", {"AZURE_DEVOPS_TOKEN": server.token}
        )
        yield server, lambda: ado.open_pulls("gitops-bot"), "pullrequests"


@contextmanager
def _bitbucket_cloud(remote: Path, what: str) -> Iterator[Case]:
    with FakeBitbucketCloud(remote) as server:
        for n in range(1, 151):  # 50 a page: three pages
            server.pulls.append(stored_pull(n, f"feature/{n}", close_source_branch=True, closed_by=None))
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        bb = bitbucket_cloud.BitbucketCloud.connect(
            cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        yield server, lambda: bb.open_pulls("gitops-bot"), "/pullrequests"


@contextmanager
def _bitbucket_dc(remote: Path, what: str) -> Iterator[Case]:
    with FakeBitbucketDataCenter(remote) as server:
        for n in range(1, 301):  # 100 a page: three pages
            server.pulls.append(stored_pull(n, f"feature/{n}", version=0, auto_merge=None))
        cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
        bb = bitbucket_dc.BitbucketDataCenter.connect(
            cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        yield server, lambda: bb.open_pulls("gitops-bot"), "/pull-requests"


FORGES = {
    "github-pulls": (_github, "pulls"),
    "github-issues": (_github, "issues"),
    "gitlab-merge-requests": (_gitlab, "pulls"),
    "gitlab-issues": (_gitlab, "issues"),
    "gitea-pulls": (_gitea, "pulls"),
    "azure-devops-pulls": (_azure_devops, "pulls"),
    "bitbucket-cloud-pulls": (_bitbucket_cloud, "pulls"),
    "bitbucket-dc-pulls": (_bitbucket_dc, "pulls"),
}


def _pages(server: Any, path: str) -> int:
    return len([r for r in server.requests if r.method == "GET" and path in r.path.split("?")[0]])


@pytest.mark.parametrize("name", list(FORGES))
def test_a_listing_that_pages_slowly_fails_at_its_deadline_in_one_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, what = FORGES[name]
    with opened(remote_with_branch(tmp_path, BRANCH), what) as (server, listing, path):
        # the listing's clock: each page requested so far took SLOW seconds
        monkeypatch.setattr(forge, "_clock", lambda: SLOW * _pages(server, path))
        with pytest.raises(ForgeUnavailable, match=r"did not end within 90 s \(2 pages read\)") as caught:
            listing()
        message = str(caught.value)
        assert "\n" not in message and server.token not in message
        assert _pages(server, path) == 2  # the third page was never asked for


@pytest.mark.parametrize("name", ["github-pulls", "github-issues", "gitlab-merge-requests", "gitlab-issues"])
def test_a_client_librarys_listing_without_end_fails_at_its_page_bound(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GitHub adapter follows ``Link: rel="next"``, the GitLab adapter GitLab's
    ``X-Next-Page`` and ``Link``: the bound is kept on every page they ask (the dashboard's issue list read 548
    pages before this)."""
    opened, what = FORGES[name]
    module = github if name.startswith("github") else gitlab
    bound = "MAX_PAGES" if module is github else ("MAX_ISSUE_PAGES" if what == "issues" else "MAX_OPEN_PAGES")
    monkeypatch.setattr(module, bound, 3)
    with opened(remote_with_branch(tmp_path, BRANCH), what) as (server, listing, path):
        with pytest.raises(ForgeUnavailable, match="more than 3 pages") as caught:
            listing()
        assert "\n" not in str(caught.value) and server.token not in str(caught.value)
        assert _pages(server, path) == 3


@pytest.mark.parametrize("name", list(FORGES))
def test_a_listing_within_its_bounds_is_read_whole(name: str, tmp_path: Path) -> None:
    """The bounds do not cut a listing that ends: the real clock, the default bounds."""
    opened, what = FORGES[name]
    with opened(remote_with_branch(tmp_path, BRANCH), what) as (server, listing, path):
        server.endless_pages = 0
        assert listing() is not None
        assert _pages(server, path) >= 1
