"""Promotion, rollback, holds and history end to end: a real registry, a real bare git remote,
the local GitHub API server and a local server with Argo CD's JSON shapes.

The example has three environments: dev (follows the registry, commits straight to main),
staging (receives promotions from dev, by pull request) and production (from staging, by pull
request, gated on staging being Synced and Healthy in Argo CD).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.markup import shown
from testkit.promotion_world import OVERLAY_FILE, World, release_dev, run
from testkit.update_world import git


def test_promotion_carries_the_digests_the_source_runs_even_after_tags_moved(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    app_11 = world.push("app", "1.1.0")
    worker_21 = world.push("worker", "2.1.0")
    release_dev(capsys, world)
    assert f"digest: {app_11}" in world.overlay("dev")

    # dev -> staging, gated on nothing (dev has no Argo CD application)
    out = run(capsys, world, "promote", "dev", "staging")
    (res,) = out["results"]
    assert res["action"] == "pull_request" and res["branch"] == "gitops-bot/promotion/staging"
    (pr,) = world.github.open_pulls()
    assert pr["title"] == "staging: promote from dev: update 2 images"
    assert "Promotes to **staging** exactly the digests **dev** runs." in pr["body"]
    assert f"| staging | `example/app` | `1.0.0` | `1.1.0` | `{app_11}` |" in pr["body"]
    assert "dev runs it since release dev-" in shown(pr["body"])
    world.merge_only_pr()
    # A person pins worker 2.1.0 in staging by tag only (no digest).
    staging = world.overlay("staging")
    assert f"digest: {worker_21}" in staging
    world.hand_commit(
        OVERLAY_FILE.format("staging"),
        f"    newTag: 2.1.0\n    digest: {worker_21}\n",
        "    newTag: 2.1.0\n",
        "staging: worker by tag",
    )

    # Both tags move after staging deployed them.
    moved_app = world.push("app", "1.1.0", salt="rebuilt")
    moved_worker = world.push("worker", "2.1.0", salt="rebuilt")
    assert moved_app != app_11 and moved_worker != worker_21

    world.staging_runs(f"{world.host}/{world.ns}/app:1.1.0@{app_11}", f"{world.host}/{world.ns}/worker:2.1.0")
    before = world.overlay("production")
    out = run(capsys, world, "promote", "staging", "production")
    assert out["results"][0]["action"] == "pull_request"
    assert world.argocd.requests == ["/api/v1/applications/app-staging"]
    after = world.overlay("production", "gitops-bot/promotion/production")
    # the digest staging pins, not what the moved tag points at now
    assert f"digest: {app_11}" in after and moved_app not in after
    # staging pins worker by tag only: resolved now, through the registry
    assert f"digest: {moved_worker}" in after
    # byte-exact: only the image values changed
    assert after == before.replace(
        '    newTag: "1.0.0"\n', f'    newTag: "1.1.0"\n    digest: {app_11}\n'
    ).replace("    newTag: 2.0.0\n", f"    newTag: 2.1.0\n    digest: {moved_worker}\n")

    # Idempotent: the same promotion again changes nothing.
    pushes = world.branches()
    again = run(capsys, world, "promote", "staging", "production")
    assert again["changed"] is False and again["results"][0]["action"] == "unchanged"
    assert world.branches() == pushes and len(world.github.pulls) == 2
    world.merge_only_pr()
    third = run(capsys, world, "promote", "staging", "production")
    assert third["changed"] is False and third["results"][0]["action"] == "unchanged"
    assert world.github.unexpected == []


def test_a_repeated_image_counts_once(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """`--image app --image app` listed the image twice in the PR and changed the release id."""
    world.push("app", "1.1.0")
    world.push("worker", "2.1.0")
    release_dev(capsys, world)
    once = run(capsys, world, "promote", "dev", "staging", "--image", "example/app", "--dry-run")
    twice = run(
        capsys,
        world,
        "promote",
        "dev",
        "staging",
        "--image",
        "example/app",
        "--image",
        "example/app",
        "--dry-run",
    )
    assert [i["image"] for i in twice["results"][0]["images"]] == ["example/app"]
    assert twice == once


def test_gate_chain_and_missing_digest_refuse_and_change_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    run(capsys, world, "promote", "dev", "staging")
    world.merge_only_pr()
    app_digest = next(ln.split(": ")[1] for ln in world.overlay("staging").splitlines() if "digest:" in ln)
    branches = world.branches()

    # out of the chain: dev does not feed production
    err = run(capsys, world, "promote", "dev", "production", code=4)["error"]
    assert "production receives promotions from staging, not dev" in err and "--force" in err

    # Argo CD: staging degraded
    world.staging_runs(f"{world.host}/{world.ns}/app:1.1.0@{app_digest}", health="Degraded")
    err = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert "app-staging is Degraded, not Healthy" in err
    # Argo CD: healthy, but running something else than the overlay says
    world.staging_runs(f"{world.host}/{world.ns}/app:1.0.0")
    err = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert "does not run example/app" in err
    # Argo CD: bad token
    world.argocd.token = "another"
    err = run(capsys, world, "promote", "staging", "production", code=2)["error"]
    assert "refused the token" in err and "argocd-test-token" not in err
    assert world.branches() == branches and world.github.open_pulls() == []

    # --skip-gate and --force are deliberate overrides
    out = run(capsys, world, "promote", "staging", "production", "--skip-gate", "--dry-run")
    assert out["results"][0]["action"] == "dry_run"
    out = run(capsys, world, "promote", "dev", "production", "--force", "--dry-run")
    assert out["results"][0]["action"] == "dry_run"
    assert world.branches() == branches


def test_rollback_after_two_releases_holds_and_update_respects_the_hold(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    first = world.push("app", "1.1.0")
    one = release_dev(capsys, world)["results"][0]["release"]
    world.push("app", "1.2.0")
    release_dev(capsys, world)
    # an unrelated change made by hand after the releases must survive the rollback
    world.hand_commit(OVERLAY_FILE.format("dev"), "count: 1", "count: 2", "dev: two replicas")

    hist = run(capsys, world, "history", "dev")["releases"]
    assert [h["images"]["example/app"]["tag"] for h in hist] == ["1.2.0", "1.1.0", "1.0.0"]
    assert hist[1]["release"] == one

    out = run(capsys, world, "rollback", "dev", "--steps", "1")
    (res,) = out["results"]
    assert res["action"] == "commit" and res["kind"] == "rollback"
    dev = world.overlay("dev")
    assert f'newTag: "1.1.0"\n    digest: {first}' in dev and "count: 2" in dev
    holds = world.show("gitops-bot.holds.yaml")
    assert "dev:\n  example/app: rolled back to " + one + " (was 1.2.0)" in holds

    # the hold survives update: plan reports it, update changes nothing
    plan = main(["plan", "--repo", str(_checkout(world)), "--env", "dev", "--output", "json"])
    plan_out = json.loads(capsys.readouterr().out)
    assert plan == 0
    (item,) = [i for i in plan_out["environments"][0]["images"] if i["image"] == "example/app"]
    assert item["action"] == "held" and "1.2.0 available" in item["reason"]
    head = git(world.remote, "rev-parse", "main")
    assert run(capsys, world, "update", "--env", "dev")["changed"] is False
    assert git(world.remote, "rev-parse", "main") == head
    # rolling back to the same release again: nothing to do
    again = run(capsys, world, "rollback", "dev", "--to", one)
    assert again["changed"] is False

    # unhold: the next update moves on again
    out = run(capsys, world, "unhold", "dev", "example/app")
    assert out["results"][0]["action"] == "commit"
    assert "gitops-bot.holds.yaml" not in git(world.remote, "ls-tree", "--name-only", "main")
    release_dev(capsys, world)
    assert 'newTag: "1.2.0"' in world.overlay("dev")


def test_hold_by_pull_request_stops_a_promotion_unless_forced(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    out = run(capsys, world, "hold", "staging", "example/app", "--reason", "load test running")
    assert out["results"][0]["branch"] == "gitops-bot/hold/staging"
    pr = world.merge_only_pr()
    assert pr["title"] == "staging: hold example/app"
    assert "- hold `example/app`: load test running" in pr["body"]
    assert (
        run(capsys, world, "hold", "staging", "example/app", "--reason", "load test running")["changed"]
        is False
    )

    err = run(capsys, world, "promote", "dev", "staging", code=4)["error"]
    assert "staging holds example/app (load test running)" in err and "unhold" in err
    assert world.github.open_pulls() == []
    out = run(capsys, world, "promote", "dev", "staging", "--force")
    assert out["results"][0]["action"] == "pull_request"


def test_a_second_hold_joins_the_open_hold_pull_request_instead_of_dropping_the_first(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = "gitops-bot/hold/staging"
    run(capsys, world, "hold", "staging", "example/app", "--reason", "load test running")
    run(capsys, world, "hold", "staging", "example/worker", "--reason", "queue migration")
    (pr,) = world.github.open_pulls()
    proposed = world.show("gitops-bot.holds.yaml", branch)
    assert "example/app: load test running" in proposed and "example/worker: queue migration" in proposed
    assert "- hold `example/app`: load test running" in pr["body"]
    assert "- hold `example/worker`: queue migration" in pr["body"]

    # an unhold while the pull request is open takes one image back out and keeps the other
    run(capsys, world, "unhold", "staging", "example/app")
    (pr,) = world.github.open_pulls()
    proposed = world.show("gitops-bot.holds.yaml", branch)
    assert "example/app" not in proposed and "example/worker: queue migration" in proposed

    world.merge_only_pr()
    assert "staging:\n  example/worker: queue migration" in world.show("gitops-bot.holds.yaml")
    # the hold pull request is merged: a new hold starts from the base again
    run(capsys, world, "hold", "staging", "example/app", "--reason", "second look")
    proposed = world.show("gitops-bot.holds.yaml", branch)
    assert "example/app: second look" in proposed and "example/worker: queue migration" in proposed


def test_unholding_the_only_hold_of_the_open_hold_pull_request_closes_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = "gitops-bot/hold/staging"
    run(capsys, world, "hold", "staging", "example/app", "--reason", "load test running")
    (pr,) = world.github.open_pulls()
    assert branch in world.branches()

    # the hold exists only in the open pull request: lifting it leaves nothing to propose
    out = run(capsys, world, "unhold", "staging", "example/app")
    (res,) = out["results"]
    assert res["action"] == "closed" and res["branch"] == branch and res["pull_request"] == pr["html_url"]
    assert world.github.open_pulls() == []
    assert branch not in world.branches()
    # and nothing is held any more: a second unhold says so
    assert run(capsys, world, "unhold", "staging", "example/app")["results"][0]["action"] == "unchanged"


def test_history_lists_bot_releases_with_pr_numbers_and_hand_made_commits(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    run(capsys, world, "promote", "dev", "staging")
    pr = world.merge_only_pr()
    worker = world.push("worker", "2.0.1")
    staged = world.overlay("staging")
    pinned = staged[staged.index("newTag: 2.0.0\n") :].split("\n", 2)[:2]  # the tag and its digest line
    world.hand_commit(  # one digest key, not a second one: a duplicate key is an error (kustomize's too)
        OVERLAY_FILE.format("staging"),
        "\n".join(pinned),
        f"newTag: 2.0.1\n    digest: {worker}",
        "staging: hotfix worker by hand",
    )
    # a commit that touches the file but not its images is not a release
    world.hand_commit(OVERLAY_FILE.format("staging"), "count: 1", "count: 3", "staging: scale")

    hist = run(capsys, world, "history", "staging")["releases"]
    assert [h["subject"] for h in hist] == [
        "staging: hotfix worker by hand",
        f"{pr['title']} (#{pr['number']})",
        "initial",
    ]
    by_hand, promoted, initial = hist
    assert by_hand["release"] is None and by_hand["author"] == "Dana <dana@example.com>"
    assert by_hand["changed"] == ["example/worker"]
    assert by_hand["images"]["example/worker"] == {
        "newName": f"{world.host}/{world.ns}/worker",
        "tag": "2.0.1",
        "digest": worker,
    }
    assert promoted["release"].startswith("staging-") and promoted["pull_request"] == pr["number"]
    assert promoted["changed"] == ["example/app", "example/worker"]
    assert initial["images"]["example/app"]["tag"] == "1.0.0"

    # text output names each release and marks hand-made ones
    assert main(["history", "staging", "--repo", f"file://{world.remote}"]) == 0
    text = capsys.readouterr().out
    assert "(by hand)" in text and f"#{pr['number']}" in text and "<- current" in text
    # rollback by commit of a hand-made release works as well
    out = run(capsys, world, "rollback", "staging", "--to", promoted["commit"][:10], "--dry-run")
    (res,) = out["results"]
    assert res["action"] == "dry_run" and [i["image"] for i in res["images"]] == ["example/worker"]


def _checkout(world: World) -> Path:
    work = world.tmp / "checkout"
    if work.exists():
        git(work, "pull", "-q", "--ff-only")
    else:
        subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
    return work


def test_rollback_warns_when_a_restored_digest_is_gone_but_still_proposes_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = "sha256:" + "ab" * 32  # a real-looking digest the registry never had (all zeros is a placeholder)
    world.hand_commit(
        OVERLAY_FILE.format("dev"),
        '    newTag: "1.0.0"\n',
        f'    newTag: "1.0.0"\n    digest: {gone}\n',
        "pin",
    )
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    out = run(capsys, world, "rollback", "dev", "--dry-run")
    (res,) = out["results"]
    assert res["action"] == "dry_run"
    assert any(f"@{gone} no longer exists in the registry" in w for w in res["warnings"])


def test_promotion_keeps_the_targets_tag_at_digest_form_and_history_splits_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    old = world.push("app", "1.0.0")
    new = world.push("app", "1.1.0")
    release_dev(capsys, world)
    staging = OVERLAY_FILE.format("staging")
    world.hand_commit(staging, 'newTag: "1.0.0"', f"newTag: 1.0.0@{old}", "staging: pin app by hand")

    (by_hand, _) = run(capsys, world, "history", "staging")["releases"]
    assert by_hand["images"]["example/app"]["tag"] == "1.0.0"
    assert by_hand["images"]["example/app"]["digest"] == old

    (res,) = run(capsys, world, "promote", "dev", "staging")["results"]
    app = next(i for i in res["images"] if i["image"] == "example/app")
    assert app["from"] == {"tag": "1.0.0", "digest": old} and app["to"] == {"tag": "1.1.0", "digest": new}
    text = world.overlay("staging", res["branch"])
    assert f"    newTag: 1.1.0@{new}\n" in text and f"digest: {new}" not in text
