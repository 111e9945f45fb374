"""What an ``update`` over a repository that has not changed since the last one costs in git
processes: what a ``watch`` runs for each repository every cycle, a few milliseconds of git's
CPU and the bot's own each (a 100-repository fleet starts two thousand a cycle). The store's
configuration (how objects are written, line endings, attributes) is read in one listing,
where each key was a process of its own, the worktree the session reset is opened once (its
history read through it), and ``worktree prune`` runs only when a registration is prunable
(none is, on most runs): 21 processes, then 17. The base's tree listed and its blobs read for
the batch's edits are kept from the run before over the same base tree: 15. The history a person's
last changes are read from (log, ls-tree, rev-list, cat-file) is kept by the commit: 11. The
kept worktree a ``status`` shows clean at the base is not reset and cleaned, and the remote's
refs are listed once (the base's commit and tree, the bot's branches' tips): 9. The remote's
listing (which named its default branch) shows no branch moved: nothing to fetch, 8. The
readings kept by commit take the commit from the ``status`` that spared the reset, where they
asked git the same of the same worktree again: 7. The store (the cache's bare clone) and its
kept worktree are opened from the files git's layout keeps (``HEAD``, the worktree's ``.git`` and
``commondir``), not with a ``rev-parse`` each, and the store's worktrees are not listed where
each registration is locked for a reason not a run's (its ``locked`` file): 4. The remote-tracking
refs' listing is kept by what the files they are read from hold (unchanged since the last run): 3.
The store's configuration listing is kept by what every file git reads it from holds: 2."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gitops_bot.engine import contents
from testkit import in_process
from testkit.update_world import World

MOST = 2  # the git processes of an unchanged update: the remote's listing, one status


def _shim(tmp_path: Path) -> tuple[Path, Path]:
    """A git first on the PATH that records each process's arguments, and where it does."""
    shim, started = tmp_path / "shim", tmp_path / "git-processes"
    shim.mkdir()
    real = shutil.which("git")
    (shim / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {started}\nexec {real} "$@"\n')
    (shim / "git").chmod(0o755)
    return shim, started


def _update(world: World, shim: Path) -> None:
    run = in_process.run(
        ["update", "--repo", f"file://{world.remote}", "--output", "json"],
        env={"PATH": f"{shim}:{os.environ['PATH']}"},
    )
    assert run.code == 0, run.err


def test_an_update_of_an_unchanged_repository_reads_its_configuration_and_worktree_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.push("app", "1.1.0")
    shim, started = _shim(tmp_path)  # every git process the update starts, by its arguments
    _update(world, shim)  # clones, opens staging's pull request, commits dev's release to main
    _update(world, shim)  # reads the commit the first run made
    started.unlink()
    made: list[object] = []  # the source histories the run makes (each its hosts and services)
    real = contents.make_history
    monkeypatch.setattr(contents, "make_history", lambda *a: made.append(a) or real(*a))
    _update(world, shim)  # nothing changed since the last run: a watch's cycle over the repository
    calls = started.read_text().splitlines()
    assert len(made) == 1  # the batch's, its releases read once: not again for the pull request
    assert world.branches() == ["gitops-bot/staging", "main"]
    configs = [c for c in calls if " config " in f" {c} "]
    assert not configs, "\n".join(calls)  # listed by the run before: the files hold the same
    assert not [c for c in calls if " rev-parse " in f" {c} "], "\n".join(calls)
    assert not [c for c in calls if "worktree " in c], "\n".join(calls)  # the kept one alone, locked
    assert not [c for c in calls if "ls-tree -r" in c], "\n".join(calls)  # the base's tree: kept
    assert not [c for c in calls if " cat-file " in f" {c} " or " log " in f" {c} "], "\n".join(calls)
    assert not [c for c in calls if "reset " in c or "clean " in c], "\n".join(calls)  # clean at the base
    assert not [c for c in calls if " fetch " in f" {c} "], "\n".join(calls)  # no branch moved
    assert sum(" status " in f" {c} " for c in calls) == 1, "\n".join(calls)
    assert len(calls) <= MOST, "\n".join(calls)


def test_a_kept_worktree_changed_between_updates_is_reset_and_cleaned(world: World, tmp_path: Path) -> None:
    world.push("app", "1.1.0")
    shim, started = _shim(tmp_path)
    _update(world, shim)
    _update(world, shim)
    [kept] = (tmp_path / "cache" / "worktrees").iterdir()
    config = kept / "gitops-bot.yaml"
    committed = config.read_bytes()
    config.write_bytes(committed + b"not: [yaml\n")  # a change the next run must not read
    (kept / "stray.yaml").write_text("left: over\n")
    started.unlink()
    _update(world, shim)
    assert config.read_bytes() == committed
    assert not (kept / "stray.yaml").exists()
    calls = started.read_text().splitlines()
    assert [c for c in calls if "reset " in c] and [c for c in calls if "clean " in c], "\n".join(calls)
    # reset and cleaned of everything: the reading takes the commit it left, asks no status again
    assert sum(" status " in f" {c} " for c in calls) == 1, "\n".join(calls)
