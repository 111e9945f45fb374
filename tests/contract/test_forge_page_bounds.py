"""Every adapter that pages through open pull requests reads at most its ``MAX_PAGES`` pages,
and a list longer than that is one failure line (``forges.kit.too_many_pages``) rather than a
shortened answer: a pull request on a page never read would be opened again or never closed.
Gitea/Forgejo and Azure DevOps here; the Bitbucket adapters in
``tests/unit/forges/test_bitbucket_adversarial.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.forges.azure_devops import adapter as azure_devops
from gitops_bot.forges.gitea import adapter as gitea
from gitops_bot.forges.settings import ForgeConfig
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea

BRANCH = "gitops-bot/staging/app"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def test_gitea_open_pull_requests_beyond_the_page_bound_fail_rather_than_go_missing(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gitea, "MAX_PAGES", 2)
    with FakeGitea(remote) as server:
        sha = server.branch_sha(BRANCH) or ""
        for n in range(1, 121):  # 50 a page: the bot's own is on the third
            head = BRANCH if n == 120 else f"feature/{n}"
            server.pulls.append(server._new({"title": f"t{n}", "head": head, "base": "main"}, sha))
        cfg = ForgeConfig(type="gitea", api_url=server.url)
        forge = gitea.Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})
        with pytest.raises(ForgeUnavailable, match="more than 2 pages") as caught:
            forge.open_pulls("gitops-bot")
        assert "\n" not in str(caught.value) and server.token not in str(caught.value)
        assert len([r for r in server.requests if r.method == "GET" and "/pulls" in r.path]) == 2


def test_azure_devops_open_pull_requests_beyond_the_page_bound_fail_rather_than_go_missing(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(azure_devops, "MAX_PAGES", 2)
    with FakeAzureDevOps(remote) as server:
        sha = server.branch_sha(BRANCH) or ""
        for n in range(1, 231):  # 100 a page: the bot's own is on the third
            head = BRANCH if n == 230 else f"feature/{n}"
            body = {
                "title": f"t{n}",
                "sourceRefName": f"refs/heads/{head}",
                "targetRefName": "refs/heads/main",
            }
            server.pulls.append(server._new(body, sha))
            server.pulls[-1]["pullRequestId"] = n
        cfg = ForgeConfig(type="azure-devops", api_url=server.url)
        forge = azure_devops.AzureDevOps.connect(
            cfg, "https://dev.azure.com/acme/Web%20Site/_git/gitops", {"AZURE_DEVOPS_TOKEN": server.token}
        )
        with pytest.raises(ForgeUnavailable, match="more than 2 pages") as caught:
            forge.open_pulls("gitops-bot")
        assert "\n" not in str(caught.value) and server.token not in str(caught.value)
        assert len([r for r in server.requests if r.method == "GET" and "pullrequests" in r.path]) == 2
