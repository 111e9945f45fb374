"""The source comparison a release's pull request lists: each forge's compare endpoint asked
as its published description says, its answer (the fakes', held to the same description) read
into the commits between two revisions, oldest first, with authors and pull request numbers;
a token goes only to the host it is bound to."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.core.secret import Secret
from gitops_bot.forges.compare_kit import CompareUnavailable
from gitops_bot.forges.sources import Sources, hosts_for
from testkit import source_repos
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab

COMMITS = [
    ("Initial import", "Ada Lovelace"),
    ("Add the health endpoint (#12)", "Grace Hopper"),
    ("Merge pull request #13 from acme/retry\n\nRetry the upstream", "Alan Turing"),
    ("Fix the retry budget", "Ada Lovelace"),
]


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = tmp_path / "app"
    return repo, source_repos.make(repo, COMMITS)


def _sources(kind: str, api: str, token: str) -> Sources:
    return Sources(hosts_for(kind, api, None, Secret.for_urls(token, [api])))


# each commit's time, as the forge answers it (source_repos.make: one a day from 1 November 2026)
TIMES = [datetime(2026, 11, n, 12, tzinfo=UTC) for n in (2, 3, 4)]


def _expect(found_titles: list[str], found_authors: list[str]) -> None:
    assert found_titles == [
        "Add the health endpoint (#12)",
        "Merge pull request #13 from acme/retry",
        "Fix the retry budget",
    ]
    assert found_authors[-1] in ("ada", "Ada Lovelace")


def test_github_compare_lists_the_commits_with_their_pull_requests(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    repo, shas = source
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "x"), sources={"acme/app": repo}) as gh:
        api = gh.url + gh.api_prefix
        sources = _sources("github", api, gh.token)
        found = sources.compare(f"{gh.url}/acme/app", shas[0], shas[-1])
        assert any(r.path.endswith(f"/compare/{shas[0]}...{shas[-1]}") for r in gh.requests)
        # a second image of the same release asks on the same connection pool
        assert sources.compare(f"{gh.url}/acme/app", shas[1], shas[-1]).total == 2
    _expect([c.title for c in found.commits], [c.author for c in found.commits])
    assert [c.pulls for c in found.commits] == [(12,), (13,), ()]
    assert [c.time for c in found.commits] == TIMES
    assert found.total == 3
    assert found.url == f"{gh.url}/acme/app/compare/{shas[0]}...{shas[-1]}"
    assert found.pull_url == f"{gh.url}/acme/app/pull/"


@pytest.mark.parametrize("flavour", ["gitea", "forgejo"])
def test_gitea_compare_lists_the_commits(
    tmp_path: Path, source: tuple[Path, list[str]], flavour: str
) -> None:
    repo, shas = source
    with FakeGitea(remote_with_branch(tmp_path, "x"), flavour=flavour, sources={"acme/app": repo}) as server:
        api = server.url + server.api_prefix
        found = _sources(flavour, api, server.token).compare(f"{server.url}/acme/app", shas[0], shas[-1])
    _expect([c.title for c in found.commits], [c.author for c in found.commits])
    assert found.total == 3 and found.pull_url == f"{server.url}/acme/app/pulls/"
    assert [c.time for c in found.commits] == TIMES


def test_gitlab_compare_lists_the_commits_oldest_first(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    repo, shas = source
    with FakeGitLab(remote_with_branch(tmp_path, "x"), sources={"acme/app": repo}) as server:
        api = server.url + server.api_prefix
        found = _sources("gitlab", api, server.token).compare(f"{server.url}/acme/app", shas[0], shas[-1])
    _expect([c.title for c in found.commits], [c.author for c in found.commits])
    assert found.url == f"{server.url}/acme/app/-/compare/{shas[0]}...{shas[-1]}"
    assert [c.time for c in found.commits] == TIMES


def test_an_unknown_revision_is_one_line_not_an_error(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    repo, shas = source
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "x"), sources={"acme/app": repo}) as gh:
        gh.contract = None  # the fake's 404 for an absent commit is GitHub's, outside the subset's examples
        api = gh.url + gh.api_prefix
        with pytest.raises(CompareUnavailable, match="HTTP 404"):
            _sources("github", api, gh.token).compare(f"{gh.url}/acme/app", "0" * 40, shas[-1])


def test_a_source_on_a_host_nobody_configured_is_not_asked(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "x")) as gh:
        sources = _sources("github", gh.url + gh.api_prefix, gh.token)
        with pytest.raises(
            CompareUnavailable, match=re.escape("no forge configured for https://git.example.org")
        ):
            sources.compare("https://git.example.org/acme/app", "a" * 40, "b" * 40)
        assert gh.requests == []


def test_the_forge_token_is_not_bound_to_another_host() -> None:
    token = Secret.for_urls("secret-token-value", ["https://ghe.example.com/api/v3"])
    hosts = hosts_for("github", "https://ghe.example.com/api/v3", None, token)
    assert [(str(h.web), h.token is not None) for h in hosts] == [
        ("https://ghe.example.com", True),
        ("https://github.com", False),  # github.com is asked anonymously, never with the GHE token
    ]
