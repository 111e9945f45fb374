"""`gitops-bot update` end to end: a real registry, a real bare git remote, and a local server
speaking GitHub's REST API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.forges import kit as forge
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world, update


def test_update_opens_one_pr_then_is_idempotent_then_updates_it_in_place(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = world.push("app", "1.1.0")
    world.push("app", "2.0.0")  # outside ^1

    result = update(capsys, world, "--env", "staging")
    assert result["changed"] is True
    (res,) = result["results"]
    assert res["action"] == "pull_request" and res["branch"] == "gitops-bot/staging"
    text = world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
    before = world.show("main", "overlays/staging/kustomization.yaml").decode()
    assert text == before.replace(
        '    newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}\n',
        f'    newTag: 1.1.0 # {{"$imagepolicy": "flux-system:app:tag"}}\n    digest: {digest}\n',
    ).replace('    newTag: "2.0"\n', '    newTag: "2.0"\n    digest: ' + _digest_line(text, "worker") + "\n")

    (pr,) = world.github.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/staging" and pr["base"]["ref"] == "main"
    assert pr["title"] == "staging: release: update 2 images"
    assert f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{digest}` |" in pr["body"]
    assert [lb["name"] for lb in pr["labels"]] == ["gitops-bot", "release"]
    assert [u["login"] for u in pr["requested_reviewers"]] == ["alice"]
    assert pr["auto_merge"]["merge_method"] == "squash"
    assert FakeGitHub.token not in pr["body"]
    msg = git(world.remote, "log", "-1", "--format=%B", "gitops-bot/staging")
    assert f"Gitops-Bot-Release: {res['release']}" in msg
    assert git(world.remote, "log", "-1", "--format=%an <%ae>", "gitops-bot/staging") == (
        "gitops-bot <gitops-bot@users.noreply.github.com>"
    )
    assert world.github.unexpected == []

    # second run: nothing changes, no write request to GitHub, no push
    head = world.sha("gitops-bot/staging")
    writes = len(world.github.paths("POST")) + len(world.github.paths("PATCH"))
    again = update(capsys, world, "--env", "staging")
    assert world.sha("gitops-bot/staging") == head
    assert len(world.github.paths("POST")) + len(world.github.paths("PATCH")) == writes
    assert len(world.github.pulls) == 1
    assert again["changed"] is False
    assert again["results"][0]["action"] == "unchanged"
    assert again["results"][0]["pull_request"] == res["pull_request"]

    # a newer tag: the same PR is updated in place, not a second one
    newer = world.push("app", "1.2.0")
    third = update(capsys, world, "--env", "staging")
    assert third["results"][0]["pull_request"] == res["pull_request"]
    assert len(world.github.pulls) == 1
    (pr,) = world.github.open_pulls()
    assert "`1.2.0`" in pr["body"] and newer in pr["body"]
    assert newer in world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
    assert world.github.unexpected == []


def _digest_line(text: str, image: str) -> str:
    lines = text.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.endswith(f"/{image}"))
    return next(ln for ln in lines[i:] if ln.strip().startswith("digest:")).split(": ", 1)[1]


def test_merged_pr_branch_is_not_recreated_and_stale_pr_is_closed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    world.github.merge(pr["number"])
    assert "gitops-bot/staging" not in world.branches()

    result = update(capsys, world, "--env", "staging")
    assert result == {"schema": "gitops-bot/update/v1", "changed": False, "results": []}
    assert "gitops-bot/staging" not in world.branches()
    assert world.github.open_pulls() == []

    # someone applies the next release by hand while the bot's PR is open: the PR is closed
    digest = world.push("app", "1.2.0")
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    seed = world.tmp / "hand"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(seed)], check=True)
    subprocess.run(
        ["git", "-C", str(seed), "merge", "-q", "--ff-only", "origin/gitops-bot/staging"], check=True
    )
    git(seed, "push", "-q", "origin", "main")
    result = update(capsys, world, "--env", "staging")
    assert [r["action"] for r in result["results"]] == ["closed"]
    assert world.github.open_pulls() == []
    assert "gitops-bot/staging" not in world.branches()
    assert any("already runs" in c for c in world.github.pulls[-1]["comments_list"])
    assert digest in world.show("main", "overlays/staging/kustomization.yaml").decode()


def test_dry_run_changes_nothing(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.push("app", "1.1.0")
    main_before = world.sha("main")
    code = main(["update", "--repo", f"file://{world.remote}", "--dry-run", "--env", "staging"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "-    newTag: 1.0.0" in out and "+    newTag: 1.1.0" in out
    assert "staging: release: update 2 images" in out
    assert world.sha("main") == main_before and world.branches() == ["main"]
    # it reads what the real run reads (the open pull requests, the release contents), writes nothing
    assert world.github.requests and {r.method for r in world.github.requests} == {"GET"}


def test_dry_run_after_the_real_run_says_the_branch_already_holds_the_change(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dry run must match the real run: once the PR's branch holds the change, it says so
    (and names that commit) instead of "would open a pull request"."""
    world.push("app", "1.1.0")
    repo = ["--repo", f"file://{world.remote}", "--env", "staging"]
    assert main(["update", *repo, "--dry-run"]) == 0
    assert (
        "== staging: would open a pull request 'staging: release: update 2 images'" in capsys.readouterr().out
    )
    (res,) = update(capsys, world, "--env", "staging")["results"]
    assert main(["update", *repo, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "== staging: would push nothing: gitops-bot/staging already holds this change" in out
    assert "would open" not in out
    assert main(["update", *repo, "--dry-run", "--output", "json"]) == 0
    (dry,) = json.loads(capsys.readouterr().out)["results"]
    assert dry["action"] == "dry_run" and dry["commit"] == res["commit"] == world.sha("gitops-bot/staging")
    (again,) = update(capsys, world, "--env", "staging")["results"]
    assert again["action"] == "unchanged"


def test_commit_mode_pushes_to_base_and_survives_a_moving_base(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = world.push("app", "1.1.0")
    result = update(capsys, world, "--env", "dev")
    (res,) = result["results"]
    assert res["action"] == "commit" and res["branch"] == "main"
    assert world.sha("main") == res["commit"]
    assert digest in world.show("main", "overlays/dev/kustomization.yaml").decode()
    assert world.github.requests == []  # commit mode needs no GitHub
    assert update(capsys, world, "--env", "dev")["results"] == []


def test_token_never_reaches_git_config_or_output(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world.push("app", "1.1.0")
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging", "-vv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert FakeGitHub.token not in out + err
    for cfg in (tmp_path / "cache").rglob("config"):
        assert FakeGitHub.token not in cfg.read_text()
    assert FakeGitHub.token not in (world.remote / "config").read_text()


def test_failed_pr_creation_leaves_no_orphan_branch(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forge, "_sleep", lambda seconds: None)  # the 5xx's back-off, not slept

    world.push("app", "1.1.0")
    world.github.fail["POST /repos/acme/gitops/pulls"] = (500, {"message": "boom"}, {})
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging"])
    _, err = capsys.readouterr()
    assert code == 3
    assert err.count("\n") == 1 and "Traceback" not in err and "GitHub" in err
    assert world.branches() == ["main"]
    assert world.github.pulls == []


def test_rejected_push_reapplies_edits_on_the_new_base(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone pushes to main between our commit and our push: the edits are applied again on
    the new base (their change kept), not rebased textually."""
    from gitops_bot.git.git import GitWorkspace

    digest = world.push("app", "1.1.0")
    other = world.tmp / "other"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(other)], check=True)
    original = GitWorkspace.push
    calls = {"n": 0}

    def racing_push(self: GitWorkspace, refspec: str, **kw: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # the other actor wins the race once
            (other / "overlays/dev/patch.yaml").write_text("replicas: 3\n")
            git(other, "add", "-A")
            git(other, "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-qm", "scale dev")
            git(other, "push", "-q", "origin", "main")
        original(self, refspec, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(GitWorkspace, "push", racing_push)
    (res,) = update(capsys, world, "--env", "dev")["results"]
    assert res["action"] == "commit" and calls["n"] == 2
    assert world.show("main", "overlays/dev/patch.yaml") == b"replicas: 3\n"
    assert digest in world.show("main", "overlays/dev/kustomization.yaml").decode()
    assert git(world.remote, "log", "-1", "--format=%s", "main^") == "scale dev"


def test_group_by_image_opens_one_pr_per_image(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    for w in make_world(tmp_path, registry, group="image"):
        w.push("app", "1.1.0")
        w.push("worker", "2.1")
        result = update(capsys, w, "--env", "staging")
        assert sorted(r["branch"] for r in result["results"]) == [
            "gitops-bot/staging/example-app",
            "gitops-bot/staging/example-worker",
        ]
        assert len(w.github.open_pulls()) == 2
        app_file = w.show("gitops-bot/staging/example-app", "overlays/staging/kustomization.yaml").decode()
        assert "1.1.0" in app_file and '"2.1"' not in app_file
        assert update(capsys, w, "--env", "staging")["changed"] is False
        assert len(w.github.pulls) == 2
