"""What a plan in a git repository costs in git processes: each is a few milliseconds of the
fixed cost every run pays (the Action, the scheduled container). A plan of three environments
(dev, staging, production promoted from staging; a person's rollback in dev, against the real
registry) asks each question of the checkout once: one ``rev-parse``, one ``git log`` of all
the environments' files, one ``ls-tree``, one ``rev-list`` and one ``cat-file`` (and the one
``log`` of the messages of the person's commit), where it asked the history of each environment
on its own (19 processes). The names the checkout's branch goes by (``symbolic-ref``,
``for-each-ref``) are asked only by a reading that meets an Application tracking a branch:
none here (they were three processes more before the first request)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from testkit import in_process
from testkit.local_git import git
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

MOST = 6  # the git processes of this plan


def overlay(root: Path, env: str, host: str, tag: str) -> None:
    path = root / "overlays" / env / "kustomization.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"namespace: app-{env}\nresources: []\nimages:\n- name: app\n  newName: {host}/gitcalls/app\n"
        f"  newTag: {tag}\n"
    )


def _clone(tmp_path: Path, host: str) -> Path:
    """A clone of three environments' overlays with their releases, and a person's rollback."""
    repo = tmp_path / "gitops"
    repo.mkdir()
    (repo / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n  - name: app\n    repository: {host}/gitcalls/app\nenvironments:\n"
        "  - name: dev\n    path: overlays/dev\n  - name: staging\n    path: overlays/staging\n"
        "  - name: production\n    path: overlays/production\n    promote_from: staging\n"
    )
    for env in ("dev", "staging", "production"):
        overlay(repo, env, host, "1.0.0")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "overlays")
    for env, tag, message in [
        ("dev", "1.1.0", "Release app 1.1.0 to dev (#3)"),
        ("staging", "1.1.0", "Promote app to staging (#4)"),
        ("dev", "1.2.0", "Release app 1.2.0 to dev (#5)"),
        ("dev", "1.1.0", "dev: back to 1.1.0, 1.2.0 crashes"),
    ]:
        overlay(repo, env, host, tag)
        git(repo, "commit", "-qam", message)
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    return repo


def _shim(tmp_path: Path) -> tuple[Path, Path]:
    """A git first on the PATH that records every git process's arguments, and where."""
    shim, started = tmp_path / "shim", tmp_path / "git-processes"
    shim.mkdir()
    real = shutil.which("git")
    (shim / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {started}\nexec {real} "$@"\n')
    (shim / "git").chmod(0o755)
    return shim, started


def test_a_plan_asks_git_each_question_once(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher
) -> None:
    pusher.image("gitcalls/app", ["1.0.0", "1.1.0", "1.2.0"], salt="gitcalls")
    repo = _clone(tmp_path, registry.host)
    shim, started = _shim(tmp_path)
    run = in_process.run(
        ["plan", "--repo", str(repo), "--output", "json"], env={"PATH": f"{shim}:{os.environ['PATH']}"}
    )
    assert run.code == 0, run.err
    calls = started.read_text().splitlines()

    # the plan read the history: the person's rollback in dev holds 1.2.0
    envs = {e["name"]: e for e in json.loads(run.out)["environments"]}
    (dev,) = envs["dev"]["images"]
    assert dev["action"] == "held" and "manual rollback: 1.2.0 -> 1.1.0" in dev["reason"]
    assert len(calls) <= MOST, "\n".join(calls)
    assert not [c for c in calls if c.startswith(("symbolic-ref", "for-each-ref"))], "\n".join(calls)
    assert len(calls) == len(set(calls)), "a question asked twice:\n" + "\n".join(calls)


def test_a_session_over_a_local_clone_opens_it_once(tmp_path: Path, registry: RegistryProcess) -> None:
    """A command that fetches into the person's own clone (``--repo`` a path) opens it once: the
    origin its token is chosen by and the workspace's objects are the same repository, where
    each asked ``rev-parse`` and the configuration's listing again (and its root a third)."""
    repo = _clone(tmp_path, registry.host)
    shim, started = _shim(tmp_path)
    run = in_process.run(
        ["history", "dev", "--repo", str(repo), "--base", "main", "--output", "json"],
        env={"PATH": f"{shim}:{os.environ['PATH']}", "GITOPS_BOT_CACHE": str(tmp_path / "cache")},
    )
    assert run.code == 0, run.err
    calls = started.read_text().splitlines()
    releases = json.loads(run.out)["releases"]
    assert releases[0]["subject"] == "dev: back to 1.1.0, 1.2.0 crashes", run.out  # the history read
    assert sum(" rev-parse " in f" {c} " for c in calls) == 1, "\n".join(calls)
    # the repository's own listing; the system's is asked once a process, by whichever test is first
    assert sum(" config " in f" {c} " and "--system" not in c for c in calls) == 1, "\n".join(calls)
