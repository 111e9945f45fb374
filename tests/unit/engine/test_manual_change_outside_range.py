"""A person's change is ranked by the policy's order even where the policy's range leaves both
tags out: Flux's own manifests went v1.0.0-rc.5 -> rc.1 (a person's rollback) -> rc.5 again
(danielloader/kubernetes-sdlc), under a range from 1.0.0 that no rc is in. The forward move is
not a manual rollback (no hold in the plan, none for ``update`` to write); moving back still is."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.release import intent
from testkit.local_git import git

IMAGE = "registry.example/fluxcd/source-controller"
CONFIG = f"""version: 1
images:
  - name: {IMAGE}
    policy: semver
    range: ">=1.0.0 <2.0.0"
    prerelease: true
environments:
  - name: development
    path: clusters/development
"""
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: manager\n        image: {image}:{tag}\n"
)


def pin(root: Path, tag: str, message: str) -> None:
    path = root / "clusters/development/gotk-components.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEPLOY.format(image=IMAGE, tag=tag))
    (root / "clusters/development/kustomization.yaml").write_text("resources:\n- gotk-components.yaml\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, name="Flux", email="flux@example")


def repo(tmp_path: Path, *tags: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "gitops-bot.yaml").write_text(CONFIG)
    for tag in tags:
        pin(root, tag, f"Add Flux {tag} component manifests")
    return root


def test_a_forward_move_outside_the_range_is_no_manual_rollback(tmp_path: Path) -> None:
    app = open_app(repo(tmp_path, "v1.0.0-rc.5", "v1.0.0-rc.1", "v1.0.0-rc.5"))
    changes = app.manual_changes("development")
    assert [c.back for c in changes.values()] == [False]
    assert app.held("development") == {}
    assert intent.to_hold(changes, {}) == {}  # what update would write to the holds file


def test_a_move_back_outside_the_range_is_still_a_manual_rollback(tmp_path: Path) -> None:
    app = open_app(repo(tmp_path, "v1.0.0-rc.1", "v1.0.0-rc.5", "v1.0.0-rc.1"))
    (reason,) = app.held("development").values()
    assert reason.startswith(f"{intent.PREFIX} v1.0.0-rc.5 -> v1.0.0-rc.1 by Flux")
