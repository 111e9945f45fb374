"""The commit a kept worktree's files are, as the ``status`` that spared its reset showed it
(a watch's cycle over an unchanged repository asked git the same question twice: once to spare
the reset, once to key the readings kept by commit), or as the workspace itself left them: a
worktree it made, or one it reset and cleaned of everything, ignored files too (the reading
asked ``status`` again after either). Known only until a command runs in the worktree through
the workspace, and never for one checked out again without removing its ignored files."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.git.git import GitWorkspace
from testkit.local_git import git, origin_and_clone


def _open(tmp_path: Path, origin: Path) -> GitWorkspace:
    ws = GitWorkspace.open(f"file://{origin}", cache_dir=tmp_path / "cache")
    ws.fetch(None, "gitops-bot")
    return ws


def test_a_kept_worktree_shown_clean_is_known_at_its_commit_until_a_command_runs_in_it(
    tmp_path: Path,
) -> None:
    origin, _ = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n"})
    head = git(origin, "rev-parse", "main").strip()
    with _open(tmp_path, origin) as ws:
        root = ws.checkout_base()  # made at the base: its files are the base's alone
        assert ws.files_at(root) == head
    with _open(tmp_path, origin) as ws:
        root = ws.checkout_base()  # kept, and shown clean at the base
        assert ws.files_at(root) == head
        assert ws.files_at(tmp_path) is None  # another directory's files: not these
        ws.diff()  # a command in the worktree (git add): the files are to be asked again
        assert ws.files_at(root) is None
    with _open(tmp_path, origin) as ws:
        root = ws.checkout_base()
        assert ws.files_at(root) == head
        ws.checkout_base()  # checked out again, nothing written meanwhile: a status shows it so
        assert ws.files_at(root) == head
        (root / "a.yaml").write_text("a: 2\n")  # an edit, no git command
        ws.checkout_base()  # not clean: reset (and cleaned but for ignored files): asked again
        assert (root / "a.yaml").read_text() == "a: 1\n"
        assert ws.files_at(root) is None


def test_a_kept_worktree_with_stray_and_changed_files_is_known_once_reset_and_cleaned(
    tmp_path: Path,
) -> None:
    origin, _ = origin_and_clone(tmp_path, {"a.yaml": "a: 1\n", ".gitignore": "*.log\n"})
    head = git(origin, "rev-parse", "main").strip()
    with _open(tmp_path, origin) as ws:
        root = ws.checkout_base()
    (root / "stray.yaml").write_text("left: over\n")
    (root / "ignored.log").write_text("left too\n")
    (root / "a.yaml").write_text("a: 2\n")
    with _open(tmp_path, origin) as ws:
        root = ws.checkout_base()  # not clean: reset and cleaned, ignored files too
        assert not (root / "stray.yaml").exists() and not (root / "ignored.log").exists()
        assert (root / "a.yaml").read_text() == "a: 1\n"
        assert ws.files_at(root) == head
        out = git(root, "status", "--porcelain", "--ignored", "--untracked-files=all")
        assert out == ""  # what a status would have shown, had it been asked
