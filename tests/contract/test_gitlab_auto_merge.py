"""GitLab auto-merge never merges a merge request before its CI ran: GitLab 17.11+ is asked
with ``auto_merge``; an older GitLab, whose ``merge_when_pipeline_succeeds`` merges at once
while no pipeline exists yet, is asked only once the head pipeline shows (waited for, bounded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.settings import ForgeConfig
from testkit.forge_repo import remote_with_branch
from testkit.gitlab_server import FakeGitLab

BRANCH = "gitops-bot/staging/app"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def _adapter(server: FakeGitLab) -> GitLab:
    cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository=server.project)
    gl = GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token})
    gl.pipeline_poll = 0.0
    gl._sleep = lambda _s: None
    return gl


@pytest.fixture
def old_gitlab(remote: Path) -> Iterator[FakeGitLab]:
    with FakeGitLab(remote, version="16.11.2-ee", pipeline_after_reads=3) as server:
        yield server


def test_old_gitlab_merges_at_once_when_asked_before_the_pipeline_exists(old_gitlab: FakeGitLab) -> None:
    """The fake reproduces GitLab's behaviour the bot must avoid (so the next tests mean something)."""
    gl = _adapter(old_gitlab)
    pr = gl.create(BRANCH, "main", "Update app", "body", draft=False)
    gl._put(pr, {"merge_when_pipeline_succeeds": True}, "/merge")
    assert old_gitlab.find(pr.number)["state"] == "merged"


def test_old_gitlab_is_asked_for_auto_merge_only_once_the_pipeline_runs(old_gitlab: FakeGitLab) -> None:
    gl = _adapter(old_gitlab)
    pr = gl.create(BRANCH, "main", "Update app", "body", draft=False)
    assert gl.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge") == []
    mr = old_gitlab.find(pr.number)
    assert mr["state"] == "opened" and mr["merge_when_pipeline_succeeds"]
    assert old_gitlab.paths("GET").count(f"GET /projects/acme%2Fgitops/merge_requests/{pr.number}") == 3
    old_gitlab.finish_pipeline(pr.number)
    assert mr["state"] == "merged"


def test_old_gitlab_without_a_pipeline_leaves_auto_merge_unset_with_a_warning(remote: Path) -> None:
    with FakeGitLab(remote, version="16.11.2-ee", ci=False) as server:
        gl = _adapter(server)
        gl.pipeline_wait = 0.0
        pr = gl.create(BRANCH, "main", "Update app", "body", draft=False)
        warnings = gl.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="squash")
        assert len(warnings) == 1 and "would merge it untested" in warnings[0]
        assert server.find(pr.number)["state"] == "opened"
        assert not [p for p in server.paths("PUT") if p.endswith("/merge")]


def test_gitlab_17_11_is_asked_with_auto_merge_and_waits_for_ci(remote: Path) -> None:
    with FakeGitLab(remote, version="17.11.1-ee", ci=False) as server:
        gl = _adapter(server)
        pr = gl.create(BRANCH, "main", "Update app", "body", draft=False)
        assert gl.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="squash") == []
        merge = [r for r in server.requests if r.path.endswith("/merge")]
        assert [r.body for r in merge] == [
            {"should_remove_source_branch": True, "squash": True, "auto_merge": True}
        ]
        assert server.find(pr.number)["state"] == "opened"
        assert server.view(server.find(pr.number))["auto_merge"] == "squash"


def test_unreadable_version_takes_the_cautious_path(remote: Path) -> None:
    with FakeGitLab(remote, version="17.11.1-ee") as server:
        server.fail["GET /version"] = (403, {"message": "403 Forbidden"}, {})
        gl = _adapter(server)
        assert gl.version() == (0, 0)
        pr = gl.create(BRANCH, "main", "Update app", "body", draft=False)
        assert gl.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge") == []
        assert server.find(pr.number)["state"] == "opened"


def test_auto_merge_is_withdrawn_in_place_the_merge_request_left_open(old_gitlab: FakeGitLab) -> None:
    """A person's merge request the bot marks: auto-merge off by the one call GitLab has for
    either way of asking, held to GitLab's description; a refusal is a warning."""
    gl = _adapter(old_gitlab)
    pr = gl.create(BRANCH, "main", "Promote", "body", draft=False)
    assert gl.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge") == []
    assert gl.withdraw_auto_merge(pr) == []
    mr = old_gitlab.find(pr.number)
    assert mr["state"] == "opened" and not mr["merge_when_pipeline_succeeds"]
    old_gitlab.finish_pipeline(pr.number)
    assert mr["state"] == "opened"  # nothing merges it now
    old_gitlab.fail[r"POST /projects/[^/]+/merge_requests/\d+/cancel_merge_when_pipeline_succeeds"] = (
        403,
        {"message": "403 Forbidden"},
        {},
    )
    (said,) = gl.withdraw_auto_merge(pr)
    assert said.startswith(f"MR !{pr.number}: could not set auto-merge off: ")
