"""The GitHub end-to-end scenarios on the other forges: GitLab merge requests (httpx
against a local v4 server), Gitea/Forgejo pull requests (httpx against a local v1 server) and
Bitbucket Cloud and Data Center pull requests (httpx against local 2.0 and REST servers), each
backed by a real bare git remote and a real registry. One parametrised world, written against
the servers' forge-neutral view of a change request."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.cli import main
from gitops_bot.core import instants
from gitops_bot.forges import kit as forge_mod
from testkit.actions_env import actions_env, read_outputs
from testkit.forge_world import DECORATION, FORGES, World, make_world
from testkit.gitlab_server import FakeGitLab
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

CREATE = {
    "gitlab": "POST /projects/acme%2Fgitops/merge_requests",
    "gitea": "POST /repos/acme/gitops/pulls",
    "bitbucket-cloud": "POST /repositories/acme/gitops/pullrequests",
    "bitbucket-data-center": "POST /api/latest/projects/ACME/repos/gitops/pull-requests",
}
# how a draft shows: the title markers of GitLab and Gitea; Bitbucket has real drafts
DRAFT_PREFIX = {"gitlab": "Draft: ", "gitea": "WIP: "}


@pytest.fixture(params=sorted(FORGES))
def world(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    yield from make_world(tmp_path, registry, monkeypatch, request.param, "environment")


def kind_of(world: World) -> str:
    return next(k for k, (cls, _, _) in FORGES.items() if type(world.forge) is cls)


def test_one_change_request_then_idempotent_then_updated_in_place(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = world.push("app", "1.1.0")
    (res,) = world.run(capsys, "update", "--env", "staging")["results"]
    assert res["action"] == "pull_request" and res["branch"] == "gitops-bot/staging"
    assert digest in world.show("gitops-bot/staging")
    cr = world.only_open()
    assert (cr["head"], cr["base"]) == ("gitops-bot/staging", "main")
    assert cr["title"] == "staging: release: update 2 images" and res["pull_request"] == cr["url"]
    assert f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{digest}` |" in cr["body"]
    labels, assignees, auto_merge = DECORATION[kind_of(world)]
    assert cr["labels"] == labels and cr["reviewers"] == ["alice"]
    assert cr["assignees"] == assignees
    assert cr["auto_merge"] == auto_merge

    writes = world.forge.writes()
    head = git(world.remote, "rev-parse", "gitops-bot/staging")
    again = world.run(capsys, "update", "--env", "staging")
    assert again["changed"] is False and again["results"][0]["pull_request"] == cr["url"]
    assert world.forge.writes() == writes and git(world.remote, "rev-parse", "gitops-bot/staging") == head

    newer = world.push("app", "1.2.0")
    third = world.run(capsys, "update", "--env", "staging")
    assert third["results"][0]["pull_request"] == cr["url"] and len(world.forge.pulls) == 1
    assert "`1.2.0`" in world.only_open()["body"] and newer in world.show("gitops-bot/staging")


def test_merged_branch_is_not_recreated_and_a_stale_one_is_closed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    world.run(capsys, "update", "--env", "staging")
    world.forge.merge(world.only_open()["number"])
    assert world.run(capsys, "update", "--env", "staging")["results"] == []
    assert world.branches() == ["main"] and world.forge.open_pulls() == []

    # the next release is applied by hand while the bot's request is open: it is closed
    digest = world.push("app", "1.2.0")
    world.run(capsys, "update", "--env", "staging")
    hand = world.tmp / "hand"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(hand)], check=True)
    git(hand, "merge", "-q", "--ff-only", "origin/gitops-bot/staging")
    git(hand, "push", "-q", "origin", "main")
    result = world.run(capsys, "update", "--env", "staging")
    assert [r["action"] for r in result["results"]] == ["closed"]
    assert world.forge.open_pulls() == [] and world.branches() == ["main"]
    (comment,) = world.forge.view(world.forge.pulls[-1])["comments"]
    noun = "merge request" if isinstance(world.forge, FakeGitLab) else "pull request"
    assert "**staging** already runs" in comment and f"newer {noun} supersedes" in comment
    assert digest in world.show("main")


@pytest.mark.parametrize("kind", sorted(FORGES))
def test_group_by_image_opens_one_draft_per_image_and_a_rerun_changes_nothing(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for w in make_world(tmp_path, registry, monkeypatch, kind, "image", draft=True):
        w.push("app", "1.1.0")
        w.push("worker", "2.1")
        result = w.run(capsys, "update", "--env", "staging")
        assert sorted(r["branch"] for r in result["results"]) == [
            "gitops-bot/staging/example-app",
            "gitops-bot/staging/example-worker",
        ]
        prefix = DRAFT_PREFIX.get(kind, "")
        assert all(v["title"].startswith(prefix + "staging: ") for v in w.forge.open_views())
        assert all(v.get("draft", True) for v in w.forge.open_views())
        writes = w.forge.writes()
        assert w.run(capsys, "update", "--env", "staging")["changed"] is False
        assert len(w.forge.pulls) == 2 and w.forge.writes() == writes


def test_token_never_reaches_git_config_output_or_request_text(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging", "-vv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    token = world.forge.token
    assert token not in out + err
    assert token not in json.dumps(world.forge.open_views())
    for cfg in [world.remote / "config", *(world.tmp / "cache").rglob("config")]:
        assert token not in cfg.read_text()


def test_promote_rollback_and_hold_open_change_requests(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    for tag in ("1.1.0", "1.2.0"):  # two releases reach production through merged requests
        world.push("app", tag)
        world.run(capsys, "update", "--env", "staging")
        world.forge.merge(world.only_open()["number"])
        (res,) = world.run(capsys, "promote", "staging", "production")["results"]
        assert res["action"] == "pull_request" and res["kind"] == "promotion"
        assert world.only_open()["head"] == res["branch"]
        world.forge.merge(world.only_open()["number"])
    assert "newTag: 1.2.0" in world.show("main", "overlays/production/kustomization.yaml")

    releases = world.run(capsys, "history", "production")["releases"]
    assert [r["pull_request"] for r in releases[:2]] == [4, 2]  # the merged requests' numbers
    (res,) = world.run(capsys, "rollback", "production", "--steps", "1")["results"]
    assert res["action"] == "pull_request" and res["kind"] == "rollback"
    assert "1.1.0" in world.show(res["branch"], "overlays/production/kustomization.yaml")
    world.forge.merge(world.only_open()["number"])

    (res,) = world.run(capsys, "unhold", "production", "example/app")["results"]
    assert res["action"] == "pull_request" and world.only_open()["head"] == res["branch"]
    world.forge.merge(world.only_open()["number"])
    (res,) = world.run(capsys, "hold", "production", "example/worker", "--reason", "load test")["results"]
    assert res["branch"] == "gitops-bot/hold/production" and world.only_open()["title"] == (
        "production: hold example/worker"
    )


def test_refused_creation_is_one_line_and_leaves_no_branch(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forge_mod, "_sleep", lambda seconds: None)
    world.push("app", "1.1.0")
    kind = kind_of(world)
    for status, code in ((403, 3), (502, 3)):  # the token's rights (a refusal); the forge kept failing
        world.forge.fail[CREATE[kind]] = (status, {"message": "no"}, {})
        assert main(["update", "--repo", f"file://{world.remote}", "--env", "staging"]) == code
        _, err = capsys.readouterr()
        assert err.count("\n") == 1 and "Traceback" not in err and f"HTTP {status}" in err
        assert world.forge.token not in err
        assert world.branches() == ["main"] and world.forge.pulls == []


def test_the_action_under_gitea_actions_opens_the_pull_request_with_the_job_token(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What Gitea/Forgejo Actions give a step: GITHUB_* variables naming the Gitea server, the
    job token as github.token (the action's default github-token), no step summary file."""
    for w in make_world(tmp_path, registry, monkeypatch, "gitea", "environment"):
        monkeypatch.delenv("GITEA_TOKEN")
        w.push("app", "1.1.0")
        env = actions_env(tmp_path, command="update", repo=f"file://{w.remote}", github_token=w.forge.token)
        del env["GITHUB_STEP_SUMMARY"]
        env.update(GITHUB_SERVER_URL=w.forge.url, GITEA_ACTIONS="true")
        monkeypatch.setattr("os.environ", env)
        out = io.StringIO()
        assert action.run(env, out) == 0, out.getvalue()
        (pr,) = w.forge.open_views()
        assert read_outputs(tmp_path / "output")["pr-url"] == pr["url"]
        assert w.forge.token not in out.getvalue().replace(f"::add-mask::{w.forge.token}", "")


def test_status_says_when_each_forge_opened_the_change_request(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The instant the forge keeps (GitLab's and Gitea's created_at, Bitbucket Cloud's
    created_on, Data Center's createdDate in milliseconds): a clock a restarted bot reads the same."""
    world.push("app", "1.1.0")
    world.run(capsys, "update", "--env", "staging")
    doc = world.run(capsys, "status")
    (pr,) = {
        r["pull_request"]["number"]: r["pull_request"]
        for r in doc["rows"]
        if r["pull_request"]["state"] == "open"
    }.values()
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", pr["opened"]), pr


@pytest.mark.parametrize("kind", sorted(FORGES))
def test_min_age_counts_from_each_forges_own_creation_stamp(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The forge's clock on every forge: its change request opens at once and says until when
    not to merge; a second run changes nothing; an hour after the bot first saw the image (the
    forges stamp creation by the real clock, the bot's is moved on) the wait is lifted and
    auto-merge requested where the forge has it."""
    start = datetime.now(UTC).replace(microsecond=0)

    def at(minutes: int) -> None:
        monkeypatch.setattr(instants, "system_clock", lambda: start + timedelta(minutes=minutes))

    for world in make_world(tmp_path, registry, monkeypatch, kind, "environment"):
        world.edit_config("    path: overlays/staging\n", "    path: overlays/staging\n    min_age: 1h\n")
        digest = world.push("app", "1.1.0")
        at(0)
        world.run(capsys, "update", "--env", "staging")
        cr = world.only_open()
        assert f"Do not merge before {instants.format_instant(start + timedelta(hours=1))}" in cr["body"]
        assert digest in cr["body"] and cr["auto_merge"] is None
        writes = world.forge.writes()
        at(5)
        assert world.run(capsys, "update", "--env", "staging")["changed"] is False
        assert world.forge.writes() == writes
        at(61)
        world.run(capsys, "update", "--env", "staging")
        cr = world.only_open()
        assert "Do not merge before" not in cr["body"] and len(world.forge.pulls) == 1
        assert cr["auto_merge"] == DECORATION[kind][2]
