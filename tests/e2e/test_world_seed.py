"""The worlds' first commit (testkit.update_world.push_first, written by git fast-import): the
tree a clone's ``add -A``, ``commit`` and ``push`` would give, and the seed left a clone of the
remote, since stories commit and push there as a user does (test_fleet, test_watch_process)."""

from __future__ import annotations

from pathlib import Path

from testkit.update_world import git, new_remote, push_first

FILES = {
    "gitops-bot.yaml": "version: 1\n",
    "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\n",
    "base/kustomization.yaml": "resources: []\n",
    "scripts/render.sh": '#!/bin/sh\nkubectl kustomize "$1"\n',
}


def _write(root: Path) -> None:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "scripts/render.sh").chmod(0o755)
    (root / "overlays/prod").symlink_to("dev")


def test_the_first_commit_holds_what_add_all_would_and_the_seed_is_a_clone_of_it(tmp_path: Path) -> None:
    remote, seed = new_remote(tmp_path)
    _write(seed)
    push_first(remote, seed)

    by_hand = tmp_path / "by-hand"
    by_hand.mkdir()
    _write(by_hand)
    git(by_hand, "init", "-q")
    git(by_hand, "add", "-A")
    assert git(remote, "rev-parse", "main^{tree}") == git(by_hand, "write-tree")
    modes = {
        line.split("\t")[1]: line.split()[0] for line in git(remote, "ls-tree", "-r", "main").splitlines()
    }
    assert modes["scripts/render.sh"] == "100755" and modes["overlays/prod"] == "120000"
    assert git(remote, "log", "--format=%an <%ae>|%cn <%ce>|%s", "main") == (
        "dev <dev@example.com>|dev <dev@example.com>|initial"
    )

    assert git(seed, "status", "--porcelain") == ""
    assert git(seed, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(seed, "rev-parse", "--abbrev-ref", "@{upstream}") == "origin/main"
    assert (seed / "overlays/prod").readlink() == Path("dev") and not (tmp_path / "seed.written").exists()

    (seed / "gitops-bot.yaml").write_text("version: 1\nenvironments: []\n")
    git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "second")
    git(seed, "push", "-q", "origin", "main")
    assert git(remote, "show", "main:gitops-bot.yaml") == "version: 1\nenvironments: []"
