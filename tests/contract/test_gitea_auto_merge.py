"""Gitea/Forgejo auto-merge handles each status the real server answers: 201 scheduled, 200
merged at once (checks had passed), 409 already scheduled (a rerun is fine), 405 not mergeable
(a warning that says why), and a scheduled merge happens only once the checks pass. Each test
runs against the fake as Gitea and as Forgejo, held to that server's own API description."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.settings import ForgeConfig
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea

BRANCH = "gitops-bot/staging/app"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


@pytest.fixture(params=["gitea", "forgejo"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _adapter(server: FakeGitea) -> Gitea:
    cfg = ForgeConfig(type=server.flavour, api_url=f"{server.url}/api/v1", repository=server.repository)
    return Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})


def _merge_calls(server: FakeGitea) -> list[str]:
    return [p for p in server.paths("POST") if p.endswith("/merge")]


def test_auto_merge_is_scheduled_with_201_and_merges_only_when_checks_pass(
    remote: Path, flavour: str
) -> None:
    with FakeGitea(remote, flavour=flavour) as server:
        g = _adapter(server)
        pr = g.create(BRANCH, "main", "Update app", "body", draft=False)
        assert g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="squash") == []
        assert server.find(pr.number)["state"] == "open" and server.find(pr.number)["auto_merge"] == "squash"
        server.finish_checks("success")
        assert server.find(pr.number)["merged"] is True


def test_a_rerun_against_an_already_scheduled_merge_is_no_warning(remote: Path, flavour: str) -> None:
    with FakeGitea(remote, flavour=flavour) as server:
        g = _adapter(server)
        pr = g.create(BRANCH, "main", "Update app", "body", draft=False)
        g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge")
        assert g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge") == []
        assert len(_merge_calls(server)) == 2


def test_checks_already_green_merge_at_once_with_200(remote: Path, flavour: str) -> None:
    with FakeGitea(remote, flavour=flavour, checks="success") as server:
        g = _adapter(server)
        pr = g.create(BRANCH, "main", "Update app", "body", draft=False)
        assert g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="merge") == []
        assert server.find(pr.number)["merged"] is True


def test_not_mergeable_405_is_a_warning_naming_the_cause(remote: Path, flavour: str) -> None:
    with FakeGitea(remote, flavour=flavour, merge_styles=("merge",)) as server:
        g = _adapter(server)
        pr = g.create(BRANCH, "main", "Update app", "body", draft=False)
        warnings = g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="squash")
        assert len(warnings) == 1
        assert "will not merge PR #1" in warnings[0] and "not allowed an allowed merge style" in warnings[0]
        assert server.find(pr.number)["auto_merge"] is None


def test_pull_request_edit_answers_201_with_the_pull_request(remote: Path, flavour: str) -> None:
    with FakeGitea(remote, flavour=flavour) as server:
        g = _adapter(server)
        pr = g.create(BRANCH, "main", "Update app", "body", draft=False)
        updated = g.update(pr, "Update app to 1.2", "new body")
        assert updated.title == "Update app to 1.2"
        assert server.find(pr.number)["title"] == "Update app to 1.2"


def test_the_fake_answers_its_flavours_version_as_the_description_says(remote: Path, flavour: str) -> None:
    """GET /version answers Gitea's plain release, Forgejo's "<forgejo>+gitea-<gitea>" string."""
    with FakeGitea(remote, flavour=flavour) as server:
        answer = httpx.get(f"{server.url}/api/v1/version", headers={"Authorization": f"token {server.token}"})
        assert answer.status_code == 200
        version = answer.json()["version"]
        assert ("+gitea-" in version) == (flavour == "forgejo")
        assert server.contract is not None and server.contract.name == flavour
        assert server.contract.checked == 1
