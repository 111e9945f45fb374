"""Every checks listing is read to its end, within :data:`~gitops_bot.core.checks.MAX_CHECKS`,
or not at all: a failing check on a page past the first ones blocks, GitHub's
combined ``state`` counts when the statuses read look green, a status and a check run of one
name are two checks, and a listing past the bound is a read failure the checks gate reads as
unknown, never a pass. Against the local APIs built from the published descriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState, CommitChecks, checks_of
from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable
from gitops_bot.forges.azure_devops.adapter import AzureDevOps
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.gate import checks as checks_gate
from gitops_bot.gate.checks import ChecksGate, verdict
from gitops_bot.gate.reading import GateOutcome
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab

SHA = "3f2c1a9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
BOUND = 150  # the bound in the tests that cross it: a listing past it in a few pages


def _github(gh: FakeGitHub) -> CommitChecks:
    cfg = GitHubConfig(repository="acme/gitops", api_url=gh.url, write_interval=0)
    forge = checks_of(GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": gh.token}))
    assert forge is not None
    return forge


def _gitea(server: FakeGitea, flavour: str = "gitea") -> CommitChecks:
    cfg = ForgeConfig(type=flavour, api_url=f"{server.url}/api/v1", repository=server.repository)
    forge = checks_of(Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token}))
    assert forge is not None
    return forge


def _gitlab(server: FakeGitLab) -> CommitChecks:
    cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository="acme/gitops")
    forge = checks_of(
        GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token})
    )
    assert forge is not None
    return forge


def _azure_devops(server: FakeAzureDevOps) -> CommitChecks:
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
    return forge


def _gate_reading(forge: CommitChecks, require: tuple[str, ...] | None = None) -> Any:
    """The checks gate's reading over ``forge``, the release commit being SHA."""
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    return checks_gate.read(ChecksGate(require=require), "staging", SHA, lambda: forge, now)


# -- GitHub ------------------------------------------------------------------------------


def test_github_a_failing_check_run_at_position_501_blocks(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = _github(gh)
        gh.check_runs[SHA] = [
            (f"job-{i}", "completed", "failure" if i == 500 else "success") for i in range(620)
        ]
        found = forge.commit_checks(SHA)
        assert len(found) == 620
        v = verdict(found, None)
        assert not v.green and v.reason == "failing: job-500 (failure)"
        assert not verdict(found, ["job-0", "job-500"]).green
        runs = [p for p in gh.paths("GET") if "/check-runs" in p]
        assert runs[-1].endswith("check-runs?page=7&per_page=100")
        assert gh.unexpected == []


def test_github_a_failing_status_past_the_first_hundred_blocks(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = _github(gh)
        gh.check_runs[SHA] = [("kubeconform", "completed", "success")]
        gh.statuses[SHA] = [(f"ci/{i}", "failure" if i == 130 else "success") for i in range(160)]
        found = forge.commit_checks(SHA)
        assert len(found) == 161
        assert verdict(found, ["ci/130"]).reason == "failing: ci/130 (failure)"
        assert not verdict(found, None).green
        assert [p for p in gh.paths("GET") if "/status?" in p][-2:] == [
            f"GET /repos/acme/gitops/commits/{SHA}/status?page=1&per_page=100",
            f"GET /repos/acme/gitops/commits/{SHA}/status?page=2&per_page=100",
        ]
        assert gh.unexpected == []


def test_github_a_failing_combined_state_blocks_when_the_statuses_read_look_green(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = _github(gh)
        gh.check_runs[SHA] = [("kubeconform", "completed", "success")]
        gh.statuses[SHA] = [("ci/jenkins", "success")]
        assert verdict(forge.commit_checks(SHA), ["kubeconform", "ci/jenkins"]).green
        for state, pending in (("failure", False), ("error", False), ("pending", True)):
            gh.combined_state[SHA] = state  # a status the pages did not show
            found = forge.commit_checks(SHA)
            for v in (verdict(found, ["kubeconform", "ci/jenkins"]), verdict(found, None)):
                assert not v.green and v.pending is pending
                assert "combined status" in v.reason and state in v.reason
        # a failure the statuses read explain is theirs: the combined state adds nothing
        gh.combined_state.pop(SHA)
        gh.statuses[SHA] = [("ci/jenkins", "success"), ("ci/other", "failure")]
        found = forge.commit_checks(SHA)
        assert verdict(found, ["ci/jenkins"]).green
        assert verdict(found, None).reason == "failing: ci/other (failure)"
        # a commit with no status at all: GitHub says pending, which holds nothing up
        gh.statuses[SHA] = []
        assert verdict(forge.commit_checks(SHA), None).green
        assert gh.unexpected == []


def test_github_a_status_and_a_check_run_of_one_name_are_both_required(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = _github(gh)
        gh.check_runs[SHA] = [("ci/build", "completed", "success")]
        gh.statuses[SHA] = [("ci/build", "failure")]
        found = forge.commit_checks(SHA)
        assert sorted((c.kind, c.state) for c in found) == [
            (checks.RUN, CheckState.SUCCESS),
            (checks.STATUS, CheckState.FAILURE),
        ]
        for required in (["ci/build"], None):
            v = verdict(found, required)
            assert not v.green and v.reason == "failing: ci/build (status: failure)"
        gh.check_runs[SHA] = [("ci/build", "in_progress", None)]
        gh.statuses[SHA] = [("ci/build", "success")]
        v = verdict(forge.commit_checks(SHA), ["ci/build"])
        assert v.pending and v.reason == "not finished: ci/build (check run: in_progress)"
        gh.check_runs[SHA] = [("ci/build", "completed", "success")]
        assert verdict(forge.commit_checks(SHA), ["ci/build"]).reason == "2 checks green"
        assert gh.unexpected == []


@pytest.mark.parametrize("listing", ["check runs", "statuses"])
def test_github_a_listing_beyond_the_bound_is_unknown_not_a_pass(
    tmp_path: Path, listing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_CHECKS", BOUND)
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = _github(gh)
        many = BOUND + 1  # every one green: a pass, were the listing cut at the bound
        gh.check_runs[SHA] = [
            (f"job-{i}", "completed", "success") for i in range(many if listing == "check runs" else 1)
        ]
        gh.statuses[SHA] = [(f"ci/{i}", "success") for i in range(many if listing == "statuses" else 1)]
        with pytest.raises(
            ServiceUnavailable, match=f"GitHub listed more than {BOUND} {listing} on the commit"
        ):
            forge.commit_checks(SHA)
        reading = _gate_reading(forge, ("job-0",))
        assert reading.outcome is GateOutcome.UNKNOWN and f"more than {BOUND} {listing}" in reading.error
        # at the bound: read whole, and green
        gh.check_runs[SHA] = gh.check_runs[SHA][:BOUND]
        gh.statuses[SHA] = gh.statuses[SHA][:BOUND]
        assert _gate_reading(forge, ("job-0",)).outcome is GateOutcome.PASS
        assert gh.unexpected == []


# -- GitLab ------------------------------------------------------------------------------


def test_gitlab_a_failing_status_at_position_501_is_read_and_blocks(tmp_path: Path) -> None:
    with FakeGitLab(remote_with_branch(tmp_path, "gitops-bot/dev"), ci=False) as server:
        forge = _gitlab(server)
        server.commit_statuses[SHA] = [(f"job-{i}", "failed" if i == 500 else "success") for i in range(540)]
        found = forge.commit_checks(SHA)
        assert len(found) == 540
        assert verdict(found, None).reason == "failing: job-500 (failed)"
        assert "per_page=100&page=6" in server.paths("GET")[-1]  # the largest pages, all of them
        assert server.unexpected == []


def test_gitlab_a_listing_beyond_the_bound_is_unknown_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_CHECKS", BOUND)
    with FakeGitLab(remote_with_branch(tmp_path, "gitops-bot/dev"), ci=False) as server:
        forge = _gitlab(server)
        server.commit_statuses[SHA] = [(f"job-{i}", "success") for i in range(BOUND + 1)]
        with pytest.raises(ServiceUnavailable, match=f"GitLab listed more than {BOUND} statuses"):
            forge.commit_checks(SHA)
        assert _gate_reading(forge).outcome is GateOutcome.UNKNOWN
        server.commit_statuses[SHA] = server.commit_statuses[SHA][:BOUND]
        assert _gate_reading(forge).outcome is GateOutcome.PASS
        assert server.unexpected == []


# -- Gitea and Forgejo -------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["gitea", "forgejo"])
def test_gitea_a_failing_status_on_the_second_page_blocks(tmp_path: Path, flavour: str) -> None:
    with FakeGitea(remote_with_branch(tmp_path, "gitops-bot/dev"), flavour=flavour) as server:
        forge = _gitea(server, flavour)
        server.commit_statuses[SHA] = [(f"ci/{i}", "failure" if i == 70 else "success") for i in range(80)]
        found = forge.commit_checks(SHA)
        assert len(found) == 80
        assert verdict(found, ["ci/70"]).reason == "failing: ci/70 (failure)"
        assert server.paths("GET")[-2:] == [
            f"GET /repos/acme/gitops/commits/{SHA}/status?page=1&limit=50",
            f"GET /repos/acme/gitops/commits/{SHA}/status?page=2&limit=50",
        ]
        assert server.unexpected == []


def test_gitea_a_listing_beyond_the_bound_is_unknown_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_CHECKS", BOUND)
    with FakeGitea(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        forge = _gitea(server)
        server.commit_statuses[SHA] = [(f"ci/{i}", "success") for i in range(BOUND + 1)]
        with pytest.raises(ServiceUnavailable, match=f"Gitea listed more than {BOUND} statuses"):
            forge.commit_checks(SHA)
        assert _gate_reading(forge).outcome is GateOutcome.UNKNOWN
        assert not [p for p in server.paths("GET") if "page=2" in p]  # its count says so at once
        server.commit_statuses[SHA] = server.commit_statuses[SHA][:BOUND]
        assert _gate_reading(forge).outcome is GateOutcome.PASS
        assert server.unexpected == []


# -- Azure DevOps ------------------------------------------------------------------------


def test_azure_devops_a_listing_beyond_the_bound_is_unknown_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_CHECKS", BOUND)
    with FakeAzureDevOps(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        forge = _azure_devops(server)
        server.commit_statuses[SHA] = [(f"ci/job-{i}", "succeeded") for i in range(BOUND + 1)]
        with pytest.raises(ServiceUnavailable, match=f"Azure DevOps listed more than {BOUND} statuses"):
            forge.commit_checks(SHA)
        assert _gate_reading(forge).outcome is GateOutcome.UNKNOWN
        server.commit_statuses[SHA] = server.commit_statuses[SHA][:BOUND]
        assert _gate_reading(forge).outcome is GateOutcome.PASS
        assert server.unexpected == []


# -- Bitbucket ---------------------------------------------------------------------------


def _bitbucket(server: FakeBitbucketCloud | FakeBitbucketDataCenter) -> CommitChecks:
    if isinstance(server, FakeBitbucketCloud):
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        found = checks_of(
            BitbucketCloud.connect(
                cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
            )
        )
    else:
        cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
        found = checks_of(
            BitbucketDataCenter.connect(
                cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
            )
        )
    assert found is not None
    return found


@pytest.mark.parametrize("fake", [FakeBitbucketCloud, FakeBitbucketDataCenter], ids=["cloud", "data-center"])
def test_bitbucket_a_listing_beyond_the_bound_is_unknown_not_a_pass(
    fake: type[FakeBitbucketCloud] | type[FakeBitbucketDataCenter],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checks, "MAX_CHECKS", BOUND)
    with fake(remote_with_branch(tmp_path, "gitops-bot/dev")) as server:
        forge = _bitbucket(server)
        # the failing one last, where a listing cut at the bound would never see it
        server.commit_statuses[SHA] = [(f"build-{i}", "SUCCESSFUL") for i in range(BOUND)] + [
            ("late", "FAILED")
        ]
        with pytest.raises(ServiceUnavailable, match=f"listed more than {BOUND} statuses"):
            forge.commit_checks(SHA)
        assert _gate_reading(forge).outcome is GateOutcome.UNKNOWN
        server.commit_statuses[SHA] = server.commit_statuses[SHA][:BOUND]
        assert _gate_reading(forge).outcome is GateOutcome.PASS
        assert server.unexpected == []


# -- the rule ----------------------------------------------------------------------------


def test_a_listing_that_ends_before_the_forges_count_is_unread() -> None:
    checks.read_whole("GitHub", "check runs", 120, 120)
    with pytest.raises(GitOpsBotError, match="said 130 check runs on the commit but listed 120"):
        checks.read_whole("GitHub", "check runs", 120, 130)
    with pytest.raises(GitOpsBotError, match="more than 1000 statuses"):
        checks.read_whole("Gitea", "statuses", 1001)
    with pytest.raises(GitOpsBotError, match="more than 1000 statuses"):
        checks.read_whole("Gitea", "statuses", 50, 1200)


def test_one_name_in_two_kinds_is_two_checks() -> None:
    run, status = (
        Check("ci", CheckState.SUCCESS, "success", checks.RUN),
        Check("ci", CheckState.FAILURE, "error", checks.STATUS),
    )
    assert checks.newest([run, status, Check("ci", CheckState.SUCCESS, "success", checks.STATUS)]) == (
        run,
        status,
    )
    assert verdict([run, status], ["ci"]).reason == "failing: ci (status: error)"
