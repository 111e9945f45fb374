"""The source comparison on the forges that answer a commit list rather than a comparison:
Azure DevOps (``commitsbatch``), Bitbucket Cloud and Bitbucket Data Center (``/commits``),
each asked as its published description says and its answers (the fakes', held to the same
description) read page by page into the commits between two revisions, oldest first, with
authors and the pull requests the forge's merge subjects name; an unknown revision is one
line naming it; a long list stops at the reading cap; a token goes only to its own host."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.core.secret import Secret
from gitops_bot.forges import compare_kit as compare
from gitops_bot.forges.azure_devops import compare as azure_compare
from gitops_bot.forges.compare_kit import CompareUnavailable
from gitops_bot.forges.sources import Sources, hosts_for
from gitops_bot.release import proposal
from gitops_bot.release.proposal import Change, Release
from testkit import source_repos
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_repo import remote_with_branch

AZURE = [
    ("Initial import", "Ada Lovelace"),
    ("Merged PR 12: Add the health endpoint", "Grace Hopper"),
    ("Fix the retry budget", "Alan Turing"),
    ("Tune the pool", "Ada Lovelace"),
]
CLOUD = [
    ("Initial import", "Ada Lovelace"),
    ("Merged in health (pull request #12)\n\nAdd the health endpoint", "Grace Hopper"),
    ("Fix the retry budget", "Alan Turing"),
    ("Tune the pool", "Ada Lovelace"),
]
DATA_CENTER = [
    ("Initial import", "Ada Lovelace"),
    ("Merge pull request #12 in ACME/app from health to main\n\n* commit 'x'", "Grace Hopper"),
    ("Fix the retry budget", "Alan Turing"),
    ("Tune the pool", "Ada Lovelace"),
]


def _sources(kind: str, api: str, token: str) -> Sources:
    return Sources(hosts_for(kind, api, None, Secret.for_urls(token, [api])))


# each commit's time, as the forge answers it (source_repos.make: one a day from 1 November 2026)
TIMES = [datetime(2026, 11, n, 12, tzinfo=UTC) for n in (2, 3, 4)]


def _titles(found: compare.Comparison) -> list[str]:
    return [c.title for c in found.commits]


# -- Azure DevOps -----------------------------------------------------------------------


def test_azure_devops_lists_the_commits_between_two_revisions_with_pull_requests(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", AZURE)
    with FakeAzureDevOps(
        remote_with_branch(tmp_path, "x"), sources={"acme/Web Site/app": tmp_path / "app"}
    ) as server:
        source = f"{server.url}/acme/Web%20Site/_git/app"
        found = _sources("azure-devops", server.url, server.token).compare(source, shas[0], shas[-1])
        (asked,) = server.requests
    assert asked.method == "POST"
    assert asked.path.startswith("/acme/Web%20Site/_apis/git/repositories/app/commitsbatch?")
    assert "api-version=7.1" in asked.path
    assert asked.body == {
        "itemVersion": {"versionType": "commit", "version": shas[-1]},
        "compareVersion": {"versionType": "commit", "version": shas[0]},
    }
    assert _titles(found) == [
        "Merged PR 12: Add the health endpoint",
        "Fix the retry budget",
        "Tune the pool",
    ]
    assert [c.author for c in found.commits] == ["Grace Hopper", "Alan Turing", "Ada Lovelace"]
    assert [c.pulls for c in found.commits] == [(12,), (), ()]
    assert [c.time for c in found.commits] == TIMES
    assert found.total == 3
    web = f"{server.url}/acme/Web%20Site/_git/app"
    assert found.url == f"{web}/branchCompare?baseVersion=GC{shas[0]}&targetVersion=GC{shas[-1]}"
    assert found.pull_url == f"{web}/pullrequest/"


def test_azure_devops_pages_with_skip_and_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare, "PAGE", 2)
    shas = source_repos.make(tmp_path / "app", AZURE)
    with FakeAzureDevOps(
        remote_with_branch(tmp_path, "x"), sources={"acme/Web Site/app": tmp_path / "app"}
    ) as s:
        found = _sources("azure-devops", s.url, s.token).compare(
            f"{s.url}/acme/Web%20Site/_git/app", shas[0], shas[-1]
        )
        skips = [re.search(r"%24skip=(\d+)", r.path) for r in s.requests]
    assert [m.group(1) for m in skips if m] == ["0", "2"]  # a short page is the last
    assert found.total == 3 and _titles(found)[-1] == "Tune the pool"


def test_azure_devops_sends_the_pat_as_basic_to_its_own_server_only(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", AZURE)
    with FakeAzureDevOps(
        remote_with_branch(tmp_path, "x"), sources={"acme/Web Site/app": tmp_path / "app"}
    ) as s:
        seen: list[str] = []
        original = s.authorised

        def spy(headers: dict[str, str]) -> bool:
            seen.append({k.lower(): v for k, v in headers.items()}.get("authorization", ""))
            return original(headers)

        s.authorised = spy  # type: ignore[method-assign]
        _sources("azure-devops", s.url, s.token).compare(
            f"{s.url}/acme/Web%20Site/_git/app", shas[0], shas[1]
        )
    assert seen == ["Basic " + base64.b64encode(f":{s.token}".encode()).decode()]


def test_azure_devops_names_the_revision_it_does_not_know(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", AZURE)
    with (
        FakeAzureDevOps(
            remote_with_branch(tmp_path, "x"), sources={"acme/Web Site/app": tmp_path / "app"}
        ) as s,
        pytest.raises(CompareUnavailable, match=r"HTTP 404: TF401175:.*<Commit: 0{40}>") as caught,
    ):
        _sources("azure-devops", s.url, s.token).compare(
            f"{s.url}/acme/Web%20Site/_git/app", "0" * 40, shas[-1]
        )
    assert "\n" not in str(caught.value)


def test_an_azure_devops_cloud_source_is_recognised_under_either_host_name() -> None:
    token = Secret.for_urls("pat-value", ["https://dev.azure.com"])
    hosts = hosts_for("azure-devops", None, "https://acme.visualstudio.com", token)
    assert [(str(h.web), h.api_url, h.token is not None) for h in hosts] == [
        ("https://dev.azure.com", "https://dev.azure.com", True),
        ("https://github.com", "https://api.github.com", False),
    ]
    assert (
        azure_compare.web_origin("https://acme.visualstudio.com/Web/_git/app", hosts[0].web) == hosts[0].web
    )


# -- Bitbucket Cloud ----------------------------------------------------------------------


def test_bitbucket_cloud_lists_the_commits_following_next_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare, "PAGE", 2)
    shas = source_repos.make(tmp_path / "app", CLOUD)
    with FakeBitbucketCloud(remote_with_branch(tmp_path, "x"), sources={"acme/app": tmp_path / "app"}) as s:
        api = s.url + s.api_prefix
        found = _sources("bitbucket-cloud", api, s.token).compare(f"{s.url}/acme/app", shas[0], shas[-1])
        paths = s.paths("GET")
    assert paths[0] == f"GET /repositories/acme/app/commits?include={shas[-1]}&exclude={shas[0]}&pagelen=2"
    assert len(paths) == 2 and "page=2" in paths[1]  # the second page, by the first page's next link
    assert _titles(found) == ["Merged in health (pull request #12)", "Fix the retry budget", "Tune the pool"]
    assert [c.author for c in found.commits] == ["Grace Hopper", "Alan Turing", "Ada Lovelace"]
    assert [c.pulls for c in found.commits] == [(12,), (), ()]
    assert [c.time for c in found.commits] == TIMES
    assert found.url == f"{s.url}/acme/app/branches/compare/{shas[-1]}%0D{shas[0]}"
    assert found.pull_url == f"{s.url}/acme/app/pull-requests/"


def test_bitbucket_cloud_next_page_on_another_origin_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare, "PAGE", 2)
    shas = source_repos.make(tmp_path / "app", CLOUD)
    remote = remote_with_branch(tmp_path, "x")
    with (
        FakeBitbucketCloud(remote, sources={"acme/app": tmp_path / "app"}) as s,
        FakeBitbucketCloud(remote) as elsewhere,
    ):
        s.next_origin = elsewhere.url
        with pytest.raises(CompareUnavailable, match="next page on another origin"):
            _sources("bitbucket-cloud", s.url + s.api_prefix, s.token).compare(
                f"{s.url}/acme/app", shas[0], shas[-1]
            )
    assert elsewhere.requests == []


def test_bitbucket_cloud_unknown_revision_is_one_line_naming_both(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", CLOUD)
    remote = remote_with_branch(tmp_path, "x")
    unknown = rf"HTTP 404: .*no commit 0{{12}} or {shas[-1][:12]}"
    with (
        FakeBitbucketCloud(remote, sources={"acme/app": tmp_path / "app"}) as s,
        pytest.raises(CompareUnavailable, match=unknown),
    ):
        _sources("bitbucket-cloud", s.url + s.api_prefix, s.token).compare(
            f"{s.url}/acme/app", "0" * 40, shas[-1]
        )


# -- Bitbucket Data Center ----------------------------------------------------------------


@pytest.mark.parametrize("form", ["/projects/ACME/repos/app/browse", "/scm/ACME/app.git"])
def test_bitbucket_data_center_lists_the_commits_in_start_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.setattr(compare, "PAGE", 2)
    shas = source_repos.make(tmp_path / "app", DATA_CENTER)
    with FakeBitbucketDataCenter(
        remote_with_branch(tmp_path, "x"), sources={"ACME/app": tmp_path / "app"}
    ) as s:
        found = _sources("bitbucket-data-center", s.url, s.token).compare(s.url + form, shas[0], shas[-1])
        paths = s.paths("GET")
    assert paths == [
        f"GET /api/latest/projects/ACME/repos/app/commits?since={shas[0]}&until={shas[-1]}&start={n}&limit=2"
        for n in (0, 2)
    ]
    assert _titles(found) == [
        "Merge pull request #12 in ACME/app from health to main",
        "Fix the retry budget",
        "Tune the pool",
    ]
    assert [c.pulls for c in found.commits] == [(12,), (), ()]
    assert [c.author for c in found.commits][-1] == "Ada Lovelace"
    assert [c.time for c in found.commits] == TIMES
    web = f"{s.url}/projects/ACME/repos/app"
    assert found.url == f"{web}/compare/commits?sourceBranch={shas[-1]}&targetBranch={shas[0]}"
    assert found.pull_url == f"{web}/pull-requests/"


def test_bitbucket_data_center_names_the_revision_it_does_not_know(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", DATA_CENTER)
    with (
        FakeBitbucketDataCenter(
            remote_with_branch(tmp_path, "x"), sources={"ACME/app": tmp_path / "app"}
        ) as s,
        pytest.raises(CompareUnavailable, match=rf"HTTP 404: Commit '{shas[0][:7]}1*' does not exist"),
    ):
        bogus = shas[0][:7] + "1" * 33
        _sources("bitbucket-data-center", s.url, s.token).compare(
            f"{s.url}/scm/ACME/app.git", bogus, shas[-1]
        )


def test_a_long_commit_list_stops_at_the_reading_cap_and_the_body_at_its_maximum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare, "PAGE", 2)
    monkeypatch.setattr(compare, "MAX_COMMITS", 5)
    monkeypatch.setattr(proposal, "MAX_COMMITS", 3)
    shas = source_repos.make(tmp_path / "app", [(f"Change {n}", "Ada Lovelace") for n in range(9)])
    with FakeBitbucketDataCenter(
        remote_with_branch(tmp_path, "x"), sources={"ACME/app": tmp_path / "app"}
    ) as s:
        found = _sources("bitbucket-data-center", s.url, s.token).compare(
            f"{s.url}/scm/ACME/app.git", shas[0], shas[-1]
        )
        pages = len(s.requests)
    assert pages == 3  # 6 read for the cap of 5; the 2 commits after them are not asked
    assert found.total == 5
    assert _titles(found) == [f"Change {n}" for n in range(4, 9)]  # the newest are kept
    digests = ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    change = Change("dev", "example/app", "r/app", (), "1", digests[0], "2", digests[1], "", contents=found)
    body = Release("dev", (change,)).body()
    assert [line[:11] for line in body.splitlines() if line.startswith("- `")] == [
        f"- `{sha[:7]}`" for sha in reversed(shas[-3:])
    ]
    assert f"- … and 2 more: [the full comparison]({found.url})" in body


# -- who is asked -------------------------------------------------------------------------


def test_a_source_on_another_bitbucket_is_not_asked_and_says_so(tmp_path: Path) -> None:
    with FakeBitbucketDataCenter(remote_with_branch(tmp_path, "x")) as s:
        sources = _sources("bitbucket-data-center", s.url, s.token)
        with pytest.raises(
            CompareUnavailable, match=re.escape("no forge configured for https://bitbucket.org")
        ):
            sources.compare("https://bitbucket.org/acme/app", "a" * 40, "b" * 40)
        assert s.requests == []


def test_the_bitbucket_token_is_not_bound_to_another_host() -> None:
    token = Secret.for_urls("secret-token-value", ["https://git.example.com"])
    hosts = hosts_for("bitbucket-data-center", "https://bitbucket.example.com", None, token)
    assert [(str(h.web), h.token is not None) for h in hosts] == [
        ("https://bitbucket.example.com", False),
        ("https://github.com", False),
    ]
    cloud = hosts_for("bitbucket-cloud", None, None, Secret.for_urls("t", ["https://bitbucket.org"]))
    assert [(str(h.web), h.api_url, h.token is not None) for h in cloud] == [
        ("https://bitbucket.org", "https://api.bitbucket.org/2.0", True),
        ("https://github.com", "https://api.github.com", False),
    ]
