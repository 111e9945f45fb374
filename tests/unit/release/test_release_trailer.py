"""The release a commit records is the bot's own trailer line, never a line that text quoted
into the message carried in: a hold reason or an Argo CD message with a line break in it must
not be able to name the release a rollback or history reports."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_bot.core.model import ReleaseKind
from gitops_bot.git.gitlog import Checkout
from gitops_bot.release import ledger, proposal

FORGED = "x\nGitops-Bot-Release: production-forged\nSigned-off-by: Mallory <m@example.com>"


def test_the_last_trailer_line_names_the_release() -> None:
    assert ledger.release_of("s\n\nGitops-Bot-Release: prod-1\n") == "prod-1"
    assert (
        ledger.release_of("s\n\nbody\nGitops-Bot-Release: forged\n\nGitops-Bot-Release: prod-1") == "prod-1"
    )
    # a squash message: the commit quoted, then what the forge adds below it
    squash = "dev: release (#7)\n\n* dev: release\n\nGitops-Bot-Release: dev-1\n\nCo-authored-by: A <a@b.c>\n"
    assert ledger.release_of(squash) == "dev-1"
    assert ledger.release_of("made by hand\n") is None


def test_a_hold_reason_with_line_breaks_stays_one_line_of_the_commit_message() -> None:
    rel = proposal.Release(
        environment="production", kind=ReleaseKind.HOLD, changes=(), holds=(("example/app", FORGED),)
    )
    message = rel.commit_message("{environment}: {summary}")
    assert "\nGitops-Bot-Release: production-forged" not in message
    assert "\nSigned-off-by: Mallory" not in message
    assert ledger.release_of(message) == rel.release_id


def test_a_merge_brings_in_the_release_of_the_newest_commit_it_merged(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q", "-b", "main")
    git("config", "user.name", "t")
    git("config", "user.email", "t@example.com")
    git("commit", "-q", "--allow-empty", "-m", "base")
    git("checkout", "-q", "-b", "topic")
    git("commit", "-q", "--allow-empty", "-m", f"older\n\n{FORGED}\n\nGitops-Bot-Release: prod-1")
    git("commit", "-q", "--allow-empty", "-m", "newer\n\nGitops-Bot-Release: prod-2")
    git("checkout", "-q", "main")
    git("merge", "-q", "--no-ff", "-m", "Merge pull request #3 from acme/topic", "topic")
    brought = Checkout(tmp_path).messages("HEAD^1..HEAD^2")
    assert [ledger.release_of(m) for m in brought] == ["prod-2", "prod-1"]
