"""GitHub's answer to a pull-request call is input like any other: an answer that carries no
pull request (a success status with an error body, a listing entry without its head) ends the
call with one line naming what was wrong, never an ``AttributeError`` far from the cause.
Against the local GitHub fake held to GitHub's published description; the canned answers are
deliberately off-spec, so only the bot's requests are held to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.forges.github import adapter as github
from gitops_bot.forges.settings import GitHubConfig
from testkit.forge_repo import remote_with_branch
from testkit.github_server import FakeGitHub

BRANCH = "gitops-bot/staging"


def _hub(server: FakeGitHub) -> github.GitHub:
    cfg = GitHubConfig(repository="acme/gitops", api_url=server.url, write_interval=0)
    return github.GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": server.token})


def test_a_created_answer_without_a_pull_request_is_one_line(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, BRANCH)) as server:
        server.fail["POST /repos/acme/gitops/pulls"] = (201, {"message": "boom"}, {})
        with pytest.raises(ForgeUnavailable, match=r"not a change request \(number is NoneType"):
            _hub(server).create(BRANCH, "main", "staging: release", "body", draft=False)


def test_a_listed_pull_request_without_its_head_is_one_line(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, BRANCH)) as server:
        listed = [{"number": 1, "html_url": f"{server.url}/pull/1", "title": "t", "body": "", "head": None}]
        server.fail["GET /repos/acme/gitops/pulls"] = (200, listed, {})
        with pytest.raises(ForgeUnavailable, match=r"not a change request \(head is NoneType\)"):
            _hub(server).open_pulls("gitops-bot")


def test_a_well_formed_answer_keeps_its_title_as_written(tmp_path: Path) -> None:
    """GitHub marks drafts with a flag, not in the title: a title a person began with "Draft:"
    is compared as written."""
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, BRANCH)) as server:
        pr = _hub(server).create(BRANCH, "main", "Draft: staging", "body", draft=False)
        assert (pr.number, pr.head, pr.title) == (1, BRANCH, "Draft: staging")
