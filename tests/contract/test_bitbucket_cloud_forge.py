"""The Bitbucket Cloud adapter against the fake held to Atlassian's published API 2.0
description: one pull request per branch (a concurrent run's is adopted), title and
description edited in place without dropping reviewers, the repository's effective default
reviewers added beside the configured ones (never the author), labels and assignees a warning,
close as a comment then decline; every ``next`` page followed while it stays on the API's
origin; Bitbucket's error shape read into one line; an app password as Basic."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeError, ForgeUnavailable, UsageError
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud, refuse_auto_merge
from gitops_bot.forges.settings import ForgeConfig
from testkit.bitbucket_cloud_server import FakeBitbucketCloud, error
from testkit.contract import Contract
from testkit.forge_repo import remote_with_branch

BRANCH = "gitops-bot/staging/app"
REMOTE = "https://bitbucket.org/acme/gitops.git"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def _adapter(server: FakeBitbucketCloud, environ: dict[str, str] | None = None) -> BitbucketCloud:
    cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
    return BitbucketCloud.connect(cfg, REMOTE, environ or {"BITBUCKET_TOKEN": server.token})


def _add_open(server: FakeBitbucketCloud, n: int) -> None:
    for i in range(n):
        branch = f"gitops-bot/env{i}" if i % 2 else f"feature/{i}"
        server.pulls.append(
            {
                "id": len(server.pulls) + 1,
                "state": "OPEN",
                "title": f"t{i}",
                "description": "",
                "source": branch,
                "target": "main",
                "draft": False,
                "close_source_branch": True,
                "reviewers": [],
                "closed_by": None,
                "comments_list": [],
            }
        )


def test_create_update_decorate_and_close_follow_the_description(remote: Path) -> None:
    with FakeBitbucketCloud(
        remote, default_reviewers=[("bob", "project"), ("gitops-bot", "repository")]
    ) as server:
        bb = _adapter(server)
        assert bb.open_pulls("gitops-bot") == {}
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=True)
        view = server.view(server.find(pr.number))
        assert (view["head"], view["base"], view["draft"], view["title"]) == (
            BRANCH,
            "main",
            True,
            "Update app",
        )
        assert pr.url == view["url"] and pr.body == "body"
        assert server.find(pr.number)["close_source_branch"] is True

        warnings = bb.decorate(
            pr, labels=["release"], reviewers=["alice"], assignees=["bob"], auto_merge=None
        )
        assert len(warnings) == 2
        assert "have no labels" in warnings[0] and "have no assignees" in warnings[1]
        # the default reviewers as the web UI adds them (the bot, the author, cannot be one)
        assert server.view(server.find(pr.number))["reviewers"] == ["bob", "alice"]

        found = bb.open_pulls("gitops-bot")[BRANCH]
        assert bb.update(found, "Update app", "body") is found  # nothing to change: no request
        writes = server.writes()
        bb.update(found, "Update app to 1.2", "new body")
        assert server.writes() == writes + 1
        view = server.view(server.find(pr.number))
        assert (view["title"], view["body"], view["reviewers"]) == (
            "Update app to 1.2",
            "new body",
            ["bob", "alice"],
        )

        bb.close(pr, "superseded by main")
        assert server.find(pr.number)["state"] == "DECLINED"
        assert server.view(server.find(pr.number))["comments"] == ["superseded by main"]
        assert bb.open_pulls("gitops-bot") == {}
        assert server.unexpected == []
        assert server.contract is not None and server.contract.checked >= 10


def test_reviewers_by_nickname_display_name_or_uuid_and_an_unknown_one_is_a_warning(remote: Path) -> None:
    with FakeBitbucketCloud(remote) as server:
        bb = _adapter(server)
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=False)
        bob = server.people[1]["uuid"]
        warnings = bb.decorate(
            pr, labels=[], reviewers=["Alice Liddell", bob, "nobody"], assignees=[], auto_merge=None
        )
        assert server.view(server.find(pr.number))["reviewers"] == ["alice", "bob"]
        (warning,) = warnings
        assert "no member of workspace acme named nobody" in warning


def test_a_pull_request_another_run_opened_a_moment_ago_is_adopted(remote: Path) -> None:
    with FakeBitbucketCloud(remote) as server:
        first = _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        again = _adapter(server).create(BRANCH, "main", "Update app to 1.2", "body 2", draft=False)
        assert again.number == first.number and len(server.pulls) == 1
        assert server.find(first.number)["title"] == "Update app to 1.2"


def test_open_pulls_follows_every_next_page_and_ignores_other_branches(remote: Path) -> None:
    with FakeBitbucketCloud(remote, page_length=7) as server:
        _add_open(server, 120)  # the bot asks for 50 a page: three pages
        found = _adapter(server).open_pulls("gitops-bot")
        assert len(found) == 60 and "gitops-bot/env119" in found and "feature/2" not in found
        gets = [r.path for r in server.requests if r.method == "GET"]
        assert len(gets) == 3 and "page=3" in gets[2] and "pagelen=50" in gets[2]


def test_a_next_page_on_another_origin_is_never_followed(remote: Path) -> None:
    with (
        FakeBitbucketCloud(remote) as elsewhere,
        FakeBitbucketCloud(remote, next_origin=elsewhere.url) as server,
    ):
        _add_open(server, 51)
        with pytest.raises(ForgeUnavailable, match="next page on another origin") as caught:
            _adapter(server).open_pulls("gitops-bot")
        assert elsewhere.requests == [] and server.token not in str(caught.value)


def test_a_bitbucket_error_is_one_line_with_its_message_and_a_hint(remote: Path) -> None:
    with FakeBitbucketCloud(remote) as server:
        server.fail[r"POST .*/pullrequests"] = error(
            403, "Your credentials lack one or more required privilege scopes.", "pullrequest:write"
        )
        with pytest.raises(ForgeError) as caught:
            _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        text = str(caught.value)
        assert "HTTP 403" in text and "privilege scopes. (pullrequest:write)" in text
        assert "\n" not in text and "pullrequest:write" in (caught.value.hint or "")
        assert server.pulls == []


def test_an_app_password_goes_as_basic_and_git_uses_its_user(remote: Path) -> None:
    with FakeBitbucketCloud(remote, app_password=("alice", "app_password_0123456789")) as server:
        env = {"BITBUCKET_USERNAME": "alice", "BITBUCKET_APP_PASSWORD": "app_password_0123456789"}
        bb = _adapter(server, env)
        assert bb.open_pulls("gitops-bot") == {}
        assert (bb.git_user, bb.git_token) == ("alice", "app_password_0123456789")
        assert _adapter(server).git_user == "x-token-auth"
        with pytest.raises(UsageError, match="no Bitbucket Cloud token"):
            _adapter(server, {"BITBUCKET_USERNAME": "alice"})


def test_auto_merge_is_refused_as_a_usage_error_naming_the_setting() -> None:
    refuse_auto_merge(None)
    with pytest.raises(UsageError) as caught:
        refuse_auto_merge("squash")
    assert caught.value.exit_code == 2 and "auto_merge" in str(caught.value)


def test_the_contract_refuses_an_error_without_its_type_and_a_comment_without_content() -> None:
    """What the Bitbucket Cloud contract holds the fake and the bot to: errors as
    ``{"type": "error", "error": {"message": ...}}``, objects with their ``type``."""
    contract = Contract.load("bitbucket-cloud")
    path = "/2.0/repositories/acme/gitops/pullrequests"
    contract.check("POST", path, {"type": "pullrequest", "title": "t"}, 400, {"error": {"message": "no"}})
    contract.check(
        "POST", f"{path}/1/comments", {"content": {"raw": "x"}}, 201, {"type": "pullrequest_comment"}
    )
    contract.check("GET", path, None, 200, {"values": [], "extra": 1})
    problems = "\n".join(contract.violations)
    assert "answer (top): 'type' is a required property" in problems
    assert "request body (top): 'type' is a required property" in problems
    assert "Additional properties are not allowed ('extra'" in problems
    assert len(contract.violations) == 3


def test_default_reviewers_the_token_may_not_read_still_leave_the_configured_ones(remote: Path) -> None:
    with FakeBitbucketCloud(remote) as server:
        server.fail[r"GET .*/effective-default-reviewers"] = error(403, "Forbidden")
        bb = _adapter(server)
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=False)
        (warning,) = bb.decorate(pr, labels=[], reviewers=["alice"], assignees=[], auto_merge=None)
        assert "could not set default reviewers" in warning and "HTTP 403" in warning
        assert server.view(server.find(pr.number))["reviewers"] == ["alice"]
