"""Each forge adapter reads a commit's checks through its forge's published API, against the
local API built from that description (every request and answer checked against it), and
answers in one vocabulary (:mod:`gitops_bot.core.checks`): success, pending, failure,
skipped, the newest per name."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.checks import CheckState, checks_of
from gitops_bot.core.errors import UsageError
from gitops_bot.forges.azure_devops.adapter import AzureDevOps
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.gate.checks import verdict
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab

SHA = "3f2c1a9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"


def states(checks: tuple) -> dict[str, CheckState]:  # type: ignore[type-arg]
    return {c.name: c.state for c in checks}


def test_github_reads_check_runs_and_the_combined_status(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        cfg = GitHubConfig(repository="acme/gitops", api_url=gh.url, write_interval=0)
        forge = checks_of(GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": gh.token}))
        assert forge is not None
        gh.check_runs[SHA] = [
            ("kubeconform", "completed", "success"),
            ("smoke-test", "in_progress", None),
            ("lint", "completed", "skipped"),
            ("policy", "completed", "timed_out"),
        ]
        gh.statuses[SHA] = [("ci/jenkins", "success"), ("ci/jenkins", "failure"), ("security/snyk", "error")]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "kubeconform": CheckState.SUCCESS,
            "smoke-test": CheckState.PENDING,
            "lint": CheckState.SKIPPED,
            "policy": CheckState.FAILURE,
            "ci/jenkins": CheckState.SUCCESS,  # the newest of its statuses (listed first)
            "security/snyk": CheckState.FAILURE,
        }
        assert verdict(found, ["kubeconform", "ci/jenkins"]).green
        v = verdict(found, None)
        assert not v.green and v.reason == "failing: policy (timed_out), security/snyk (error)"
        assert gh.paths("GET")[-2:] == [
            f"GET /repos/acme/gitops/commits/{SHA}/check-runs?page=1&per_page=100",
            f"GET /repos/acme/gitops/commits/{SHA}/status?page=1&per_page=100",
        ]
        # a hundred and more runs: every page, as total_count says
        gh.check_runs[SHA] = [(f"job-{i}", "completed", "success") for i in range(130)]
        assert len(forge.commit_checks(SHA)) == 130 + 2
        with pytest.raises(UsageError, match="not a commit id"):
            forge.commit_checks("main")
        assert gh.unexpected == []


@pytest.mark.parametrize("flavour", ["gitea", "forgejo"])
def test_gitea_and_forgejo_read_the_combined_status(tmp_path: Path, flavour: str) -> None:
    with FakeGitea(remote_with_branch(tmp_path, "gitops-bot/dev"), flavour=flavour) as server:
        cfg = ForgeConfig(type=flavour, api_url=f"{server.url}/api/v1", repository=server.repository)
        forge = checks_of(
            Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})
        )
        assert forge is not None
        server.commit_statuses[SHA] = [
            ("ci/woodpecker/push/validate", "success"),
            ("ci/woodpecker/push/validate", "failure"),
            ("smoke", "pending"),
            ("docs", "warning"),
            ("deploy", "error"),
        ]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "ci/woodpecker/push/validate": CheckState.SUCCESS,
            "smoke": CheckState.PENDING,
            "docs": CheckState.SUCCESS,
            "deploy": CheckState.FAILURE,
        }
        assert verdict(found, ["ci/woodpecker/push/validate", "docs"]).green
        assert verdict(found, ["smoke"]).pending
        assert server.paths("GET")[-1] == f"GET /repos/acme/gitops/commits/{SHA}/status?page=1&limit=50"
        assert server.unexpected == []


def test_gitlab_reads_the_commit_statuses(tmp_path: Path) -> None:
    with FakeGitLab(remote_with_branch(tmp_path, "gitops-bot/dev"), ci=False) as server:
        cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository="acme/gitops")
        forge = checks_of(
            GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token})
        )
        assert forge is not None
        server.commit_statuses[SHA] = [
            ("kubeconform", "success"),
            ("smoke-test", "running"),
            ("deploy-docs", "manual"),
            ("conftest", "canceled"),
        ]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "kubeconform": CheckState.SUCCESS,
            "smoke-test": CheckState.PENDING,
            "deploy-docs": CheckState.SKIPPED,
            "conftest": CheckState.FAILURE,
        }
        assert verdict(found, ["kubeconform"]).green
        assert verdict(found, None).reason == "failing: conftest (canceled)"
        assert server.paths("GET")[-1].startswith(
            f"GET /projects/acme%2Fgitops/repository/commits/{SHA}/statuses"
        )
        # more than a page: every page, up to the bound
        server.commit_statuses[SHA] = [(f"job-{i}", "success") for i in range(230)]
        assert len(forge.commit_checks(SHA)) == 230
        assert server.unexpected == []


def test_azure_devops_reads_the_latest_status_per_context(tmp_path: Path) -> None:
    with FakeAzureDevOps(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        cfg = ForgeConfig(
            type="azure-devops",
            api_url=server.url,
            repository=f"{server.organization}/{server.project}/{server.repository}",
        )
        forge = checks_of(
            AzureDevOps.connect(
                cfg, "https://dev.azure.com/acme/Web%20Site/_git/gitops", {"AZURE_DEVOPS_TOKEN": server.token}
            )
        )
        assert forge is not None
        server.commit_statuses[SHA] = [
            ("validation/kubeconform", "succeeded"),
            ("validation/kubeconform", "failed"),
            ("smoke/test", "pending"),
            ("policy/opa", "notApplicable"),
        ]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "validation/kubeconform": CheckState.SUCCESS,
            "smoke/test": CheckState.PENDING,
            "policy/opa": CheckState.SKIPPED,
        }
        assert verdict(found, ["validation/kubeconform"]).green
        assert not verdict(found, None).green
        assert "latestOnly=true" in server.paths("GET")[-1]
        assert server.unexpected == []


def test_bitbucket_cloud_reads_the_build_statuses(tmp_path: Path) -> None:
    with FakeBitbucketCloud(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        forge = checks_of(
            BitbucketCloud.connect(
                cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
            )
        )
        assert forge is not None
        server.commit_statuses[SHA] = [
            ("pipeline-validate", "SUCCESSFUL"),
            ("smoke", "INPROGRESS"),
            ("e2e", "STOPPED"),
        ]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "pipeline-validate": CheckState.SUCCESS,
            "smoke": CheckState.PENDING,
            "e2e": CheckState.FAILURE,
        }
        assert verdict(found, ["pipeline-validate"]).green
        server.commit_statuses[SHA] = [(f"build-{i}", "SUCCESSFUL") for i in range(120)]
        assert verdict(forge.commit_checks(SHA), None).reason == "120 checks green"
        assert server.unexpected == []


def test_bitbucket_data_center_reads_the_build_statuses(tmp_path: Path) -> None:
    with FakeBitbucketDataCenter(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
        forge = checks_of(
            BitbucketDataCenter.connect(
                cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
            )
        )
        assert forge is not None
        server.commit_statuses[SHA] = [
            ("JENKINS-validate", "SUCCESSFUL"),
            ("JENKINS-validate", "FAILED"),
            ("BAMBOO-smoke", "CANCELLED"),
            ("BAMBOO-perf", "UNKNOWN"),
        ]
        found = forge.commit_checks(SHA)
        assert states(found) == {
            "JENKINS-validate": CheckState.SUCCESS,
            "BAMBOO-smoke": CheckState.FAILURE,
            "BAMBOO-perf": CheckState.PENDING,
        }
        assert verdict(found, ["JENKINS-validate"]).green
        assert server.unexpected == []
