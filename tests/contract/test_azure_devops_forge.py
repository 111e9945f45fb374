"""The Azure DevOps adapter against the fake held to Azure DevOps' published Git 7.1 and
identities descriptions: one pull request per branch (a concurrent run's is adopted), title and
description edited in place, labels, reviewers resolved from unique names to identity ids
(optional or required), auto-complete as the creator with the configured merge strategy,
close as a comment thread then ``abandoned``; pages followed; Azure's error shape read into
one line; 429 with Retry-After retried; a redirect never followed; ``api-version=7.1`` on
every call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeError, ForgeUnavailable
from gitops_bot.forges import kit as forge_mod
from gitops_bot.forges.azure_devops.adapter import AzureDevOps, fit
from gitops_bot.forges.settings import ForgeConfig
from testkit.azure_devops_server import FakeAzureDevOps, error
from testkit.contract import SPECS, Contract
from testkit.forge_repo import remote_with_branch

BRANCH = "gitops-bot/staging/app"
REMOTE = "https://dev.azure.com/acme/Web%20Site/_git/gitops"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def _adapter(server: FakeAzureDevOps, *, required: bool = False) -> AzureDevOps:
    cfg = ForgeConfig(
        type="azure-devops",
        api_url=server.url,
        repository=f"{server.organization}/{server.project}/{server.repository}",
        required_reviewers=required,
    )
    return AzureDevOps.connect(cfg, REMOTE, {"AZURE_DEVOPS_TOKEN": server.token})


def test_create_update_decorate_and_close_follow_the_description(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server:
        az = _adapter(server, required=True)
        assert az.open_pulls("gitops-bot") == {}
        pr = az.create(BRANCH, "main", "Update app", "body", draft=True)
        view = server.view(server.find(pr.number))
        assert (view["head"], view["base"], view["draft"]) == (BRANCH, "main", True)
        assert pr.url == view["url"] and pr.head == BRANCH

        found = az.open_pulls("gitops-bot")[BRANCH]
        assert az.update(found, "Update app", "body") is found  # nothing to change: no request
        writes = server.writes()
        az.update(found, "Update app to 1.2", "new body")
        assert server.writes() == writes + 1
        assert (server.view(server.find(pr.number))["title"], server.find(pr.number)["description"]) == (
            "Update app to 1.2",
            "new body",
        )

        warnings = az.decorate(
            pr,
            labels=["gitops-bot", "release"],
            reviewers=["alice@example.com", "bob"],
            assignees=[],
            auto_merge="squash",
        )
        assert warnings == []
        view = server.view(server.find(pr.number))
        assert view["labels"] == ["gitops-bot", "release"]
        assert view["reviewers"] == view["required"] == ["alice@example.com", "bob@example.com"]
        assert view["auto_merge"] == "squash" and view["delete_source_branch"] is True
        assert server.find(pr.number)["autoCompleteSetBy"]["id"] == server.bot["id"]

        az.close(pr, "superseded by main")
        assert server.find(pr.number)["status"] == "abandoned"
        assert server.view(server.find(pr.number))["comments"] == ["superseded by main"]
        assert az.open_pulls("gitops-bot") == {}
        assert server.unexpected == []
        assert all("api-version=7.1" in r.path for r in server.requests)
        assert server.contract is not None and server.contract.checked >= 8


def test_reviewers_are_optional_unless_configured_and_an_unknown_one_is_a_warning(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server:
        az = _adapter(server)
        pr = az.create(BRANCH, "main", "Update app", "body", draft=False)
        warnings = az.decorate(
            pr, labels=[], reviewers=["alice", "nobody"], assignees=["bob"], auto_merge=None
        )
        view = server.view(server.find(pr.number))
        assert view["reviewers"] == ["alice@example.com"] and view["required"] == []
        assert len(warnings) == 2
        assert "no Azure DevOps identity for nobody" in warnings[0]
        assert "no assignees" in warnings[1]


def test_a_pull_request_another_run_opened_a_moment_ago_is_adopted(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server:
        first = _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        again = _adapter(server).create(BRANCH, "main", "Update app to 1.2", "body 2", draft=False)
        assert again.number == first.number and len(server.pulls) == 1
        assert server.find(first.number)["title"] == "Update app to 1.2"
        assert any(
            r.method == "POST" and r.path.endswith("pullrequests?api-version=7.1") for r in server.requests
        )


def test_open_pulls_follows_every_page_and_ignores_other_branches_and_forks(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server:
        sha = server.branch_sha(BRANCH) or ""
        for i in range(230):
            branch = f"gitops-bot/env{i}" if i % 2 else f"feature/{i}"
            server.pulls.append(
                server._new(
                    {
                        "title": f"t{i}",
                        "sourceRefName": f"refs/heads/{branch}",
                        "targetRefName": "refs/heads/main",
                    },
                    sha,
                )
            )
            server.pulls[-1]["pullRequestId"] = i + 1
        server.pulls[1]["forkSource"] = {"name": "refs/heads/gitops-bot/env1"}
        found = _adapter(server).open_pulls("gitops-bot")
        assert len(found) == 114 and "gitops-bot/env1" not in found and "gitops-bot/env229" in found
        gets = [r.path for r in server.requests if r.method == "GET"]
        assert len(gets) == 3 and "%24skip=200" in gets[2] and "%24top=100" in gets[2]


def test_an_azure_error_is_one_line_with_its_message_and_a_hint(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server:
        server.fail[r"POST .*/pullrequests"] = error(
            403,
            "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.",
            "Microsoft.TeamFoundation.Git.Server.GitNeedsPermissionException",
            "GitNeedsPermissionException",
        )
        with pytest.raises(ForgeError) as caught:
            _adapter(server).create(BRANCH, "main", "Update app", "body", draft=False)
        assert "HTTP 403" in str(caught.value) and "TF401027" in str(caught.value)
        assert "Contribute to pull requests" in (caught.value.hint or "")
        assert server.pulls == []


def test_a_rate_limit_with_retry_after_is_waited_then_retried(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    with FakeAzureDevOps(remote) as server:
        az = _adapter(server)
        server.fail[r"GET .*/pullrequests"] = (429, {"message": "throttled"}, {"Retry-After": "7"})

        def once(wait: float) -> None:
            waits.append(wait)
            server.fail.clear()  # the next attempt is answered

        monkeypatch.setattr(forge_mod, "_sleep", once)
        assert az.open_pulls("gitops-bot") == {}
        assert waits == [7.0] and len(server.requests) == 2


def test_a_redirect_is_refused_and_never_followed(remote: Path) -> None:
    with FakeAzureDevOps(remote) as server, FakeAzureDevOps(remote) as elsewhere:
        server.fail[r"GET .*/pullrequests"] = (302, None, {"Location": f"{elsewhere.url}/steal"})
        with pytest.raises(ForgeUnavailable, match="redirected"):
            _adapter(server).open_pulls("gitops-bot")
        assert elsewhere.requests == []


def test_a_pipeline_token_goes_as_bearer_only_to_the_server_that_issued_it(remote: Path) -> None:
    with FakeAzureDevOps(remote, bearer="job_token_0123456789abcdef") as server:
        cfg = ForgeConfig(type="azure-devops", api_url=server.url, repository="acme/Web Site/gitops")
        job = {
            "SYSTEM_ACCESSTOKEN": "job_token_0123456789abcdef",
            "SYSTEM_COLLECTIONURI": f"{server.url}/acme/",
        }
        assert AzureDevOps.connect(cfg, REMOTE, job).open_pulls("gitops-bot") == {}
        with pytest.raises(Exception, match="no Azure DevOps token"):
            AzureDevOps.connect(cfg, REMOTE, {**job, "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/"})


def test_a_description_longer_than_azure_keeps_is_cut_and_not_rewritten_each_run(remote: Path) -> None:
    body = "x" * 5000
    with FakeAzureDevOps(remote) as server:
        az = _adapter(server)
        pr = az.create(BRANCH, "main", "Update app", body, draft=False)
        assert len(server.find(pr.number)["description"]) == 4000 == len(fit(body))
        writes = server.writes()
        az.update(az.open_pulls("gitops-bot")[BRANCH], "Update app", body)
        assert server.writes() == writes


def test_the_fakes_pull_requests_name_only_fields_azure_describes(remote: Path) -> None:
    """Azure's definitions require nothing, so a leaked bookkeeping key would validate: every
    pull request the fake answers uses only properties of GitPullRequest."""
    doc = json.loads((SPECS / "azure-devops-git-7.1-subset.swagger.json").read_text(encoding="utf-8"))
    described = set(doc["definitions"]["GitPullRequest"]["properties"])
    with FakeAzureDevOps(remote) as server:
        az = _adapter(server)
        pr = az.create(BRANCH, "main", "Update app", "body", draft=False)
        az.decorate(pr, labels=["x"], reviewers=["alice"], assignees=[], auto_merge="merge")
        az.close(pr, "bye")
        assert set(server._public(server.find(pr.number))) <= described
        assert "comments_list" in server.find(pr.number)  # the fake's own record, never sent


def test_the_contract_refuses_a_bare_list_a_missing_api_version_and_a_wrong_enum() -> None:
    """What the Azure contract holds the fake and the bot to: lists as {count, value}, the
    required api-version, the description's enums."""
    contract = Contract.load("azure-devops")
    path = "/acme/web/_apis/git/repositories/gitops/pullrequests"
    contract.check("GET", f"{path}?api-version=7.1", None, 200, [])
    contract.check("GET", path, None, 200, {"count": 0, "value": []})
    contract.check("PATCH", f"{path}/1?api-version=7.1", {"status": "closed"}, 200, {"status": "active"})
    problems = "\n".join(contract.violations)
    assert "not a {count, value} collection" in problems
    assert "required query parameter 'api-version' missing" in problems
    assert "request body status" in problems
    assert len(contract.violations) == 3
