"""The dashboard issue over the bundled example (testkit/demo.py: a real registry process, git
remote, the GitHub API built from GitHub's description, Argo CD): ``update`` creates it with the
status table, the same update again changes nothing (no issue written), a change in the fleet
edits it, a dry run never touches it, and ``watch`` keeps the same one, never a second."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.scm.issues import MARKER
from testkit import demo
from testkit.watch_process import Proc

ISSUE_WRITES = ("POST /repos/acme/gitops/issues", "PATCH /repos/acme/gitops/issues/")


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[demo.Stage]:
    with demo.stage(tmp_path) as st:
        for k, v in st.env.items():
            monkeypatch.setenv(k, v)
        config = st.repo / "gitops-bot.yaml"
        config.write_text(config.read_text() + "dashboard:\n  enabled: true\n")
        git = ["git", "-C", str(st.repo), "-c", "user.name=demo", "-c", "user.email=demo@example.com"]
        subprocess.run([*git, "commit", "-qam", "keep a dashboard issue"], check=True)
        subprocess.run([*git, "push", "-q", "origin", "main"], check=True)
        yield st


def issue_writes(st: demo.Stage) -> list[str]:
    return [p for p in st.gh.paths() if p.startswith(ISSUE_WRITES)]


def test_update_keeps_one_dashboard_issue_edited_only_when_the_table_changes(stage: demo.Stage) -> None:
    repo = str(stage.repo)
    assert main(["update", "--repo", repo, "--dry-run"]) == 0
    assert stage.gh.issues == [] and issue_writes(stage) == []

    assert main(["update", "--repo", repo]) == 0
    (issue,) = stage.gh.issues
    body = issue["body"]
    assert issue["title"] == "gitops-bot dashboard" and body.startswith(MARKER)
    assert [x["name"] for x in issue["labels"]] == ["gitops-bot-dashboard"]
    pulls = {p["number"] for p in stage.gh.open_pulls()}
    assert pulls == {1, 2} and issue["number"] == 3
    rows = [ln for ln in body.splitlines() if ln.startswith("| **")]
    assert len(rows) == 11 and all(ln.count(" | ") == 7 for ln in rows)
    assert "| **dev** | example/app |" in body and "| #1 |" in body and "| #2 |" in body

    writes = issue_writes(stage)
    assert main(["update", "--repo", repo]) == 0  # the same command again: the same table
    assert issue_writes(stage) == writes and stage.gh.issues[0]["body"] == body

    demo.merge_staging(stage)  # staging's pull request merged: its rows change
    assert main(["update", "--repo", repo]) == 0
    assert issue_writes(stage) == [*writes, "PATCH /repos/acme/gitops/issues/3"]
    assert len(stage.gh.issues) == 1 and stage.gh.issues[0]["body"] != body
    assert stage.gh.unexpected == []


def test_watch_keeps_the_same_dashboard_issue(stage: demo.Stage) -> None:
    assert main(["update", "--repo", str(stage.repo)]) == 0
    writes = issue_writes(stage)
    argv = [sys.executable, "-m", "gitops_bot", "watch", "--repo", str(stage.repo), "--interval", "1h"]
    proc = Proc([*argv, "--listen", "127.0.0.1:0"])
    try:
        proc.wait_for("a cycle", lambda: proc.events("cycle"))
        proc.wait_for("the dashboard", lambda: proc.events("dashboard"))
    finally:
        proc.p.send_signal(signal.SIGTERM)
        proc.p.wait(timeout=30)
    assert [e["action"] for e in proc.events("dashboard")] == ["unchanged"]
    assert len(stage.gh.issues) == 1 and issue_writes(stage) == writes
