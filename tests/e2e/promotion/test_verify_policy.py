"""The verify: policy through the CLI: plan shows unverified candidates as skipped with the
reason, update leaves the current value, promote refuses with exit 4, the PR body records
what was verified. Uses the promotion example's world (real registry, git remote, GitHub API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import cosign
from testkit.markup import shown
from testkit.oci import Pusher
from testkit.promotion_world import World, add_files, run
from testkit.registry_process import RegistryProcess

VERIFY = """  - name: staging
    path: overlays/staging
    promote_from: dev
    argocd_application: app-staging
    verify:
      example/app:
        keys:
          - file: keys/ci.pub
"""


def test_unsigned_candidates_are_skipped_left_alone_and_refused(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = cosign.new_key()
    dev_verify = "    write: commit\n    verify:\n      example/worker:\n        keys:\n          - env: CI_COSIGN_PUB\n"
    add_files(world, {"keys/ci.pub": cosign.public_pem(key).decode()})
    add_files(world, {}, ("gitops-bot.yaml", "    write: commit\n", dev_verify))
    add_files(
        world,
        {},
        (
            "gitops-bot.yaml",
            "  - name: staging\n    path: overlays/staging\n    promote_from: dev\n    argocd_application: app-staging\n",
            VERIFY,
        ),
    )
    app_11 = world.push("app", "1.1.0")
    world.push("worker", "2.1.0")
    repo = f"{world.ns}/app"
    monkeypatch.setenv("CI_COSIGN_PUB", cosign.public_pem(key).decode())

    # plan: the unsigned worker is skipped in dev with the reason, app has no policy in dev
    assert main(["plan", "--env", "dev", "--repo", str(world.tmp / "hand"), "--output", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    dev = {i["image"]: i for i in plan["environments"][0]["images"]}
    assert dev["example/worker"]["action"] == "skip"
    assert dev["example/worker"]["reason"].startswith("2.1.0 not verified: no signature found for sha256:")
    assert dev["example/worker"]["verification"]["verified"] is False
    assert dev["example/app"]["action"] == "update" and dev["example/app"]["verification"] is None
    # counted in the words status and the page use: the unsigned worker is blocked, not skipped
    assert plan["summary"]["skipped"] == 1 and plan["decisions"] == {"propose": 1, "blocked": 1}

    # update: app moves, worker keeps its current value
    run(capsys, world, "update", "--env", "dev")
    overlay = world.overlay("dev")
    assert f"digest: {app_11}" in overlay and "newTag: 2.0.0" in overlay

    # promote dev -> staging: app is not signed, staging requires it: exit 4, nothing pushed
    before = world.branches()
    out = run(capsys, world, "promote", "dev", "staging", code=4)
    assert (
        "refused: example/app" in out["error"]
        and "is not verified for staging: no signature found" in out["error"]
    )
    assert world.branches() == before and world.github.open_pulls() == []

    cosign.sign_image(world.pusher, repo, f"{world.host}/{repo}", app_11, key)
    out = run(capsys, world, "promote", "dev", "staging")
    (app_change,) = [i for i in out["results"][0]["images"] if i["image"] == "example/app"]
    assert app_change["verification"]["verified"] is True
    (pr,) = world.github.open_pulls()
    assert "**Verified**" in pr["body"]
    assert f"- `example/app` `{app_11[:19]}`: " in pr["body"]
    assert f"example/app {app_11[:19]}: cosign key SHA256:" in shown(pr["body"])


def test_missing_key_fails_the_plan_with_one_line_before_any_request(
    world: World,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_files(
        world,
        {},
        (
            "gitops-bot.yaml",
            "  - name: staging\n    path: overlays/staging\n    promote_from: dev\n    argocd_application: app-staging\n",
            VERIFY,
        ),
    )
    out = run(capsys, world, "promote", "dev", "staging", code=2)
    assert "cannot read verify key keys/ci.pub" in out["error"]


def test_plan_verifies_the_platform_digest_it_would_write(
    registry: RegistryProcess, pusher: Pusher, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With platform: set the bot writes the arm64 child, so that digest must be signed; a
    signature on the index does not count."""
    repo = "trust/plan-multi"
    pusher.image(repo, "1.0.0", platforms=["linux/amd64", "linux/arm64"])
    new = pusher.image(repo, "1.1.0", platforms=["linux/amd64", "linux/arm64"])
    key = cosign.new_key()
    (tmp_path / "cosign.pub").write_bytes(cosign.public_pem(key))
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod/kustomization.yaml").write_text(
        f"images:\n  - name: app\n    newName: {registry.host}/{repo}\n    newTag: 1.0.0\n"
    )
    (tmp_path / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n  - name: app\n    repository: {registry.host}/{repo}\n    platform: linux/arm64\n"
        "    verify: {keys: [{file: cosign.pub}]}\nenvironments:\n  - name: prod\n    path: prod\n"
    )

    def plan() -> dict:  # type: ignore[type-arg]
        assert main(["plan", "--repo", str(tmp_path), "--output", "json"]) == 0
        (item,) = json.loads(capsys.readouterr().out)["environments"][0]["images"]
        return item  # type: ignore[no-any-return]

    cosign.sign_image(pusher, repo, repo, new.digest, key)
    item = plan()
    arm = new.platforms["linux/arm64"]
    assert item["action"] == "skip" and item["candidate"]["digest"] == arm
    assert item["reason"].startswith(f"1.1.0 not verified: no signature found for {arm[:19]}")
    cosign.sign_image(pusher, repo, repo, arm, key)
    item = plan()
    assert item["action"] == "update" and item["verification"]["verified"] is True
    assert item["verification"]["signers"][0]["method"] == "cosign-key"
