"""The Bitbucket Data Center adapter against the fake held to Atlassian's published REST 9.2
description: one pull request per branch (a concurrent run's 409 adopted), every write at the
version it read (and once more after a concurrent edit), updates that keep the reviewers,
the Default Reviewers plugin's reviewers added beside the configured ones, auto-merge with the
configured strategy (a repository that does not allow it: a warning with what to change),
close as a comment then decline; ``start``/``nextPageStart`` pages followed; the server's
error shape read into one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeError
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.settings import ForgeConfig
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter, error
from testkit.contract import Contract
from testkit.forge_repo import remote_with_branch

BRANCH = "gitops-bot/staging/app"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def _adapter(server: FakeBitbucketDataCenter) -> BitbucketDataCenter:
    cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
    return BitbucketDataCenter.connect(
        cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
    )


def test_create_update_decorate_and_close_follow_the_description(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote, default_reviewers=["bob", "gitops-bot"]) as server:
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
        assert pr.url == view["url"]

        warnings = bb.decorate(
            pr, labels=["release"], reviewers=["alice"], assignees=["bob"], auto_merge="squash"
        )
        assert len(warnings) == 2
        assert "have no labels" in warnings[0] and "have no assignees" in warnings[1]
        view = server.view(server.find(pr.number))
        assert view["reviewers"] == ["bob", "alice"]  # the plugin's, never the author; then ours
        assert view["auto_merge"] == "squash"
        # adding reviewers moved the version on: the merge was sent again at the new one
        merges = [r for r in server.requests if r.path.split("?")[0].endswith("/merge")]
        assert len(merges) == 2 and "version=0" in merges[0].path

        found = bb.open_pulls("gitops-bot")[BRANCH]
        assert bb.update(found, "Update app", "body") is found  # nothing to change: no request
        bb.update(found, "Update app to 1.2", "new body")
        view = server.view(server.find(pr.number))
        assert (view["title"], view["body"], view["reviewers"]) == (
            "Update app to 1.2",
            "new body",
            ["bob", "alice"],
        )

        server.finish_checks("success")  # the merge checks pass: auto-merge squashes
        assert server.find(pr.number)["state"] == "MERGED" and server.branch_sha(BRANCH) is None
        assert server.unexpected == []
        assert server.contract is not None and server.contract.checked >= 10


def test_close_comments_then_declines_at_the_version_it_has_now(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        bb = _adapter(server)
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=False)
        server.find(pr.number)["version"] = 7  # someone edited it meanwhile
        bb.close(pr, "superseded by main")
        assert server.find(pr.number)["state"] == "DECLINED"
        assert server.view(server.find(pr.number))["comments"] == ["superseded by main"]
        assert bb.open_pulls("gitops-bot") == {}


def test_a_repository_without_auto_merge_is_a_warning_saying_what_to_allow(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote, auto_merge_allowed=False) as server:
        bb = _adapter(server)
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=False)
        (warning,) = bb.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge")
        assert "will not auto-merge PR #1" in warning and "allow auto-merge" in warning
        assert server.find(pr.number)["state"] == "OPEN"


def test_a_pull_request_another_run_opened_a_moment_ago_is_adopted(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        first = _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        again = _adapter(server).create(BRANCH, "main", "Update app to 1.2", "body 2", draft=False)
        assert again.number == first.number and len(server.pulls) == 1
        assert server.find(first.number)["title"] == "Update app to 1.2"


def test_open_pulls_follows_every_page_and_ignores_other_branches(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        for i in range(230):
            branch = f"gitops-bot/env{i}" if i % 2 else f"feature/{i}"
            server.pulls.append(
                {
                    "id": i + 1,
                    "version": 0,
                    "state": "OPEN",
                    "title": f"t{i}",
                    "description": "",
                    "source": branch,
                    "target": "main",
                    "draft": False,
                    "reviewers": [],
                    "auto_merge": None,
                    "comments_list": [],
                }
            )
        found = _adapter(server).open_pulls("gitops-bot")
        assert len(found) == 115 and "gitops-bot/env229" in found and "feature/2" not in found
        gets = [r.path for r in server.requests if r.method == "GET"]
        assert len(gets) == 3 and "start=200" in gets[2] and "limit=100" in gets[2]


def test_a_server_error_is_one_line_with_its_message_and_a_hint(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        server.fail[r"POST .*/pull-requests"] = error(
            403, "You are not permitted to access this resource", "AuthorisationException"
        )
        with pytest.raises(ForgeError) as caught:
            _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        text = str(caught.value)
        assert "HTTP 403" in text and "not permitted to access this resource" in text and "\n" not in text
        assert "REPO_WRITE" in (caught.value.hint or "")
        assert server.pulls == []


def test_the_contract_refuses_an_unknown_role_and_a_non_list_error() -> None:
    contract = Contract.load("bitbucket-data-center")
    path = "/rest/api/latest/projects/ACME/repos/gitops/pull-requests/1"
    contract.check("POST", f"{path}/participants", {"user": {"name": "a"}, "role": "OWNER"}, 200, {})
    contract.check("PUT", path, {"version": 0}, 409, {"errors": {"message": "x"}})
    problems = "\n".join(contract.violations)
    assert "request body role" in problems and "answer errors" in problems
    assert len(contract.violations) == 2


def test_a_server_without_the_default_reviewers_plugin_still_gets_the_configured_ones(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        server.fail[r"GET /default-reviewers/.*"] = error(
            404, "This resource does not exist.", "rest.NoSuchResourceException"
        )
        bb = _adapter(server)
        pr = bb.create(BRANCH, "main", "Update app", "body", draft=False)
        (warning,) = bb.decorate(pr, labels=[], reviewers=["alice"], assignees=[], auto_merge=None)
        assert "could not set default reviewers" in warning and "HTTP 404" in warning
        assert server.view(server.find(pr.number))["reviewers"] == ["alice"]
