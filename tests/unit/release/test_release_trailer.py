"""The release a commit records is the bot's own trailer line, never a line that text quoted
into the message carried in: a hold reason or an Argo CD message with a line break in it must
not be able to name the release a rollback or history reports."""

from __future__ import annotations

import subprocess
from dataclasses import replace
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


APP_SHA = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "1" * 64


def test_the_built_from_trailers_are_read_from_the_release_s_own_paragraph() -> None:
    ours = f"Gitops-Bot-Built-From: example/app {DIGEST} {APP_SHA} 2030-01-06T11:00:00Z\nGitops-Bot-Release: dev-1"
    found = ledger.built_from(f"dev: release\n\n- example/app 1.0.0 -> 1.1.0\n\n{ours}\n")
    assert {k: (d, t.isoformat()) for k, (d, t) in found.items()} == {
        "example/app": (DIGEST, "2030-01-06T11:00:00+00:00")
    }
    # a squash message: the forge's paragraph below does not hide them
    assert ledger.built_from(f"dev: release (#7)\n\n* dev: release\n\n{ours}\n\nCo-authored-by: A <a@b.c>\n")
    # quoted above the release's paragraph (a reason's line break, a commit title): not ours
    forged = f"x\nGitops-Bot-Built-From: example/app {DIGEST} {APP_SHA} 1999-01-01T00:00:00Z\n\nGitops-Bot-Release: dev-1"
    assert ledger.built_from(forged) == {}
    assert (
        ledger.built_from(
            f"by hand\n\nGitops-Bot-Built-From: example/app {DIGEST} {APP_SHA} 2030-01-06T11:00:00Z"
        )
        == {}
    )
    # what does not read is left out: a time, a revision, a line with more in it
    for bad in ("not-a-time", "2030-13-45T00:00:00Z", "9999-01-01T00:00:00Z"):
        assert (
            ledger.built_from(
                f"s\n\nGitops-Bot-Built-From: example/app {DIGEST} {APP_SHA} {bad}\nGitops-Bot-Release: d"
            )
            == {}
        )
    assert (
        ledger.built_from(
            f"s\n\nGitops-Bot-Built-From: example/app {DIGEST} XYZ 2030-01-06T11:00:00Z\nGitops-Bot-Release: d"
        )
        == {}
    )
    assert (
        ledger.built_from(
            f"s\n\nGitops-Bot-Built-From: a b {DIGEST} {APP_SHA} 2030-01-06T11:00:00Z\nGitops-Bot-Release: d"
        )
        == {}
    )


def test_a_release_commit_records_each_new_build_s_source_commit() -> None:
    from datetime import UTC, datetime

    from gitops_bot.core.outside import Outside

    when = datetime(2030, 1, 6, 11, tzinfo=UTC)
    change = proposal.Change("dev", "example/app", "r/app", (), "1.0.0", None, "1.1.0", DIGEST, Outside(""))
    rel = proposal.Release(
        "dev", (replace(change, built_from=(APP_SHA, when)), replace(change, image="other"))
    )
    message = rel.commit_message("{environment}: {summary}")
    assert message.endswith(
        f"\n\nGitops-Bot-Built-From: example/app {DIGEST} {APP_SHA} 2030-01-06T11:00:00Z\nGitops-Bot-Release: {rel.release_id}\n"
    )
    assert ledger.built_from(message) == {"example/app": (DIGEST, when)}
    # a build pinned by tag only records nothing: which build ran is not said
    tagged = proposal.Release("dev", (replace(change, built_from=(APP_SHA, when), to_digest=None),))
    assert "Built-From" not in tagged.commit_message("{environment}: {summary}")
