"""The update example on Azure DevOps Repos: `gitops-bot update` over a real bare git remote, a
real registry and the Azure DevOps fake (held to Microsoft's published Git 7.1 and identities
descriptions) opens one pull request per environment, labelled, with its reviewer resolved to
an identity and required, auto-complete set to squash and delete the branch; a second run
changes nothing; a newer image updates the same pull request; a stale one is abandoned with a
comment."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.forge_world import World, make_world
from testkit.registry_process import RegistryProcess
from testkit.update_world import git


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from make_world(tmp_path, registry, monkeypatch, "azure-devops", "environment")


def test_one_pull_request_per_environment_decorated_then_a_rerun_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = world.push("app", "1.1.0")
    result = world.run(capsys, "update", "--env", "staging")
    opened = [r for r in result["results"] if r["action"] == "pull_request"]
    assert sorted(r["branch"] for r in opened) == ["gitops-bot/staging"]
    assert digest in world.show("gitops-bot/staging")
    view = world.only_open()
    assert (view["head"], view["base"], view["draft"]) == ("gitops-bot/staging", "main", False)
    assert opened[0]["pull_request"] == view["url"] and "/_git/gitops/pullrequest/1" in view["url"]
    assert f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{digest}` |" in view["body"]
    assert view["labels"] == ["gitops-bot", "release"]
    assert view["reviewers"] == view["required"] == ["alice@example.com"]
    assert view["auto_merge"] == "squash" and view["delete_source_branch"] is True
    # Azure has no assignees: a warning, the pull request stands
    assert any("no assignees" in w for w in opened[0]["warnings"])

    writes = world.forge.writes()
    head = git(world.remote, "rev-parse", "gitops-bot/staging")
    again = world.run(capsys, "update", "--env", "staging")
    assert again["changed"] is False and again["results"][0]["pull_request"] == view["url"]
    assert world.forge.writes() == writes and git(world.remote, "rev-parse", "gitops-bot/staging") == head

    newer = world.push("app", "1.2.0")
    third = world.run(capsys, "update", "--env", "staging")
    assert third["results"][0]["pull_request"] == view["url"] and len(world.forge.pulls) == 1
    assert "`1.2.0`" in world.only_open()["body"] and newer in world.show("gitops-bot/staging")


def test_completed_by_auto_complete_then_production_gets_its_own_pull_request(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = world.push("app", "1.1.0")
    world.run(capsys, "update", "--env", "staging")
    world.forge.finish_checks("success")  # the branch policies pass: auto-complete squashes
    assert world.forge.open_pulls() == [] and world.branches() == ["main"]
    assert digest in world.show("main")
    world.run(capsys, "promote", "staging", "production")
    (view,) = world.forge.open_views()
    assert view["head"] == "gitops-bot/promotion/production" and view["base"] == "main"
    assert [p["pullRequestId"] for p in world.forge.pulls] == [1, 2]


def test_a_stale_pull_request_is_abandoned_with_a_comment(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    world.run(capsys, "update", "--env", "staging")
    # the release is applied by hand while the bot's pull request is open
    hand = world.tmp / "hand"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(hand)], check=True)
    git(hand, "merge", "-q", "--ff-only", "origin/gitops-bot/staging")
    git(hand, "push", "-q", "origin", "main")
    result = world.run(capsys, "update", "--env", "staging")
    assert [r["action"] for r in result["results"]] == ["closed"]
    (pr,) = world.forge.pulls
    assert pr["status"] == "abandoned" and len(pr["comments_list"]) == 1
    assert world.forge.open_pulls() == [] and world.branches() == ["main"]
