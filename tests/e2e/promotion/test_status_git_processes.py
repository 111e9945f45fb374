"""What ``status`` costs in git processes reading each environment's last releases: status
fetches and pushes nothing, so the environments on one ref are read together, as a plan reads
them: one ``git log`` of all their files, one ``ls-tree``, one ``rev-list`` and one
``cat-file``, each environment's releases cut from that, where each environment was read on
its own (four processes an environment: 12 for the promotion example's three). The person's
changes of each environment (which hold an image) are read in the same, at the commit the base
is, where the worktree was asked them apart (two reads of four processes more). The releases it
shows are the ones each environment's own reading finds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from testkit.promotion_world import World, release_dev, run

BASE_LOG = "log --first-parent --format="  # a history read (the ledger's git log)


def _recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where every git process started from here on records its arguments (a git first on the
    PATH)."""
    shim, started = tmp_path / "shim", tmp_path / "git-processes"
    shim.mkdir()
    (shim / "git").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> {started}\nexec {shutil.which("git")} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{os.environ['PATH']}")
    return started


def test_status_reads_the_environments_releases_together(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    world.staging_runs(f"{world.host}/{world.ns}/app:1.0.0")
    started = _recorded(tmp_path, monkeypatch)
    run(capsys, world, "status")  # clones, and reads the persons' changes (kept by commit after)
    first = started.read_text().splitlines()
    started.unlink()
    doc = run(capsys, world, "status")
    calls = started.read_text().splitlines()
    assert len([c for c in first if BASE_LOG in c]) == 1, "\n".join(first)

    for env in ("dev", "staging", "production"):  # what each environment's own reading finds
        assert doc["releases"][env] == run(capsys, world, "history", env)["releases"][:5], env
    assert len(doc["releases"]["dev"]) == 2, doc["releases"]  # the seed's commit and the release
    # one history read in all: the releases shown and the person's changes (which hold an
    # image) of every environment, at the one commit the base is
    based = [c for c in calls if BASE_LOG in c]
    assert len(based) == 1, "\n".join(calls)
    assert all(f"overlays/{env}/kustomization.yaml" in based[0] for env in ("dev", "staging", "production"))
    assert sum(" ls-tree " in f" {c} " and " -r " not in f" {c} " for c in calls) == 1, "\n".join(calls)


def test_a_promotion_reads_its_source_and_target_together(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A promotion reads the target's history (a person's changes, which hold an image) and the
    source's (the release that brought each value, which its pull request names) at the one
    commit the base is: in one ``git log``, ``ls-tree``, ``rev-list`` and ``cat-file``, where
    the worktree read the target's and the store the source's again (four processes more)."""
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    world.staging_runs()
    started = _recorded(tmp_path, monkeypatch)
    out = run(capsys, world, "promote", "dev", "staging")
    calls = started.read_text().splitlines()

    assert out["results"][0]["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    assert "dev runs it since release" in pr["body"]  # the source's history was read
    logs = [c for c in calls if BASE_LOG in c]
    assert len(logs) == 1, "\n".join(calls)
    assert all(f"overlays/{env}/kustomization.yaml" in logs[0] for env in ("dev", "staging"))
    assert sum(" ls-tree " in f" {c} " and " -r " not in f" {c} " for c in calls) == 1, "\n".join(calls)
