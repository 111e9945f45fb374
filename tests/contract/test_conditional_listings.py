"""A listing the forge answered with a validator (ETag) is asked again with If-None-Match, and
a 304 is the kept answer: a watch lists each repository's open pull requests every cycle (a new
client each cycle), mostly unchanged, where each was the whole listing sent and parsed again.
Against the local GitHub fake held to GitHub's published description (a 304 is an answer the
listing's operation documents)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.forges import kit
from gitops_bot.forges.github import adapter as github
from gitops_bot.forges.settings import GitHubConfig
from testkit.forge_repo import remote_with_branch
from testkit.github_server import FakeGitHub

BRANCH = "gitops-bot/staging"


def _hub(server: FakeGitHub) -> github.GitHub:
    cfg = GitHubConfig(repository="acme/gitops", api_url=server.url, write_interval=0)
    return github.GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": server.token})


def test_an_unchanged_listing_is_answered_not_modified_and_a_changed_one_anew(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, BRANCH)) as server:
        made = _hub(server).create(BRANCH, "main", "staging: release", "body", draft=False)
        first = _hub(server).open_pulls("gitops-bot")
        again = _hub(server).open_pulls("gitops-bot")  # the next cycle's client
        assert [p.number for p in first.values()] == [p.number for p in again.values()] == [made.number]
        assert server.validated[0] == "" and server.validated[1:] == [server.validated[1]] != [""]
        server.pulls[0]["state"] = "closed"  # merged or closed by a person between cycles
        assert _hub(server).open_pulls("gitops-bot") == {}
        assert server.validated[-1] == ""  # the changed listing, sent whole
        assert _hub(server).open_pulls("gitops-bot") == {}
        assert server.validated[-1] != ""
        server.contract.assert_clean()


def test_a_listing_that_fills_its_first_page_is_asked_whole_each_time(tmp_path: Path) -> None:
    """A validator is of a page's body, not of the headers that page on: a first page with no
    room to spare may be followed by others that changed while it did not."""
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, BRANCH)) as server:
        _hub(server).create(BRANCH, "main", "staging: release", "body", draft=False)
        for _ in range(2):
            api = _hub(server)._api
            listed = api.list("/repos/acme/gitops/pulls", kit.linked(1), "pull requests", pages=3)
            assert len(listed.items) == 1
        assert server.validated == ["", ""]
        server.contract.assert_clean()
