"""`gitops-bot status` over the bundled example's stage (testkit/demo.py): a real registry
process, a real git remote, the GitHub API and Argo CD servers. Its JSON says what `plan` says
and what Argo CD reports, its table says what its JSON says, and a registry or gate that cannot
answer leaves those cells unknown while the rest is still shown."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core.model import WrittenRef
from gitops_bot.gate import argocd
from testkit import demo


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[demo.Stage]:
    with demo.stage(tmp_path) as st:
        for k, v in st.env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.delenv("COLUMNS", raising=False)  # pytest's own terminal width may be set
        yield st


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def plan_items(capsys: pytest.CaptureFixture[str], repo: Path) -> dict[tuple[str, str], dict[str, Any]]:
    code, out, _ = run(capsys, "plan", "--repo", str(repo), "--output", "json")
    assert code == 0
    return {(e["name"], i["image"]): i for e in json.loads(out)["environments"] for i in e["images"]}


def test_status_is_what_plan_the_forge_and_argo_cd_say_and_the_table_is_its_json(
    stage: demo.Stage, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = str(stage.repo)
    assert run(capsys, "update", "--repo", repo)[0] == 0  # a pull request for dev and for staging
    demo.merge_staging(stage)  # staging's is merged; Argo CD runs it, Synced and Healthy
    subprocess.run(["git", "-C", repo, "pull", "-q", "origin", "main"], check=True)  # plan reads the tree
    planned = plan_items(capsys, stage.repo)
    remote_before = subprocess.run(
        ["git", "-C", str(stage.remote), "for-each-ref"], check=True, capture_output=True, text=True
    ).stdout
    calls = len(stage.gh.requests)

    code, out, err = run(capsys, "status", "--repo", repo, "--output", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "gitops-bot/status/v1" and doc["complete"] is True
    rows = doc["rows"]
    assert [(r["environment"], r["image"]) for r in rows] == list(planned)

    # the plan's decision, word for word
    for r in rows:
        item = planned[(r["environment"], r["image"])]
        assert r["plan"]["action"] == item["action"] and r["plan"]["reason"] == item["reason"]
        assert r["plan"]["candidate"] == (
            {"tag": item["candidate"]["tag"], "digest": item["candidate"]["digest"]}
            if item["candidate"]
            else None
        )
        assert (r["declared"]["tag"], r["declared"]["digest"]) == (
            item["current"]["tag"],
            item["current"]["digest"],
        )
    assert {r["plan"]["action"] for r in rows} >= {"update", "none", "skip"}

    # the forge's open pull requests: dev's is open, staging's was merged
    dev_pr = next(p for p in stage.gh.open_pulls() if p["head"]["ref"] == "gitops-bot/dev")
    for r in rows:
        pr = r["pull_request"]
        if r["environment"] == "dev":
            assert (pr["state"], pr["number"], pr["url"]) == ("open", dev_pr["number"], dev_pr["html_url"])
        else:
            assert pr == {"state": "none"}

    # Argo CD: staging's Application as the server reports it, the gate's verdict; the others have none
    application = stage.argo.apps["app-staging"]
    reported = [WrittenRef.split(i) for i in application["status"]["summary"]["images"]]
    staging = [r for r in rows if r["environment"] == "staging"]
    wanted = [
        argocd.Wanted(r["image"], r["declared"]["repository"], r["declared"]["tag"], r["declared"]["digest"])
        for r in staging
    ]
    assert argocd.check(application, "app-staging", wanted) == []
    for r in staging:
        assert r["gate"] == {
            "state": "open",
            "application": "app-staging",
            "sync": "Synced",
            "health": "Healthy",
            "operation": "Succeeded",
            "reasons": [],
        }
        same = [
            x.format() for x in reported if x.location == WrittenRef(r["declared"]["repository"]).location
        ]
        assert r["cluster"] == {"state": "reported", "images": same, "runs_declared": True, "reason": None}
        assert same
    for r in rows:
        if r["environment"] != "staging":
            assert r["gate"] == {"state": "no_gate"} and r["cluster"]["state"] == "no_gate"

    # read-only: no branch, no push, no pull request; the forge's pull requests asked once
    assert (
        subprocess.run(
            ["git", "-C", str(stage.remote), "for-each-ref"], check=True, capture_output=True, text=True
        ).stdout
        == remote_before
    )
    asked = stage.gh.requests[calls:]
    assert [r for r in asked if r.method != "GET"] == []
    assert len([r for r in asked if r.path.split("?")[0].endswith("/pulls")]) == 1

    # the table for people: the same rows, the same cells, within COLUMNS
    monkeypatch.setenv("COLUMNS", "250")
    code, text, err = run(capsys, "status", "--repo", repo)
    assert (code, err) == (0, "")
    lines = text.splitlines()
    assert "\033[" not in text  # not a terminal: no colour
    assert all(len(line) <= 250 for line in lines)
    # grouped by environment: a heading with its gate and pull requests, then its images
    blocks = {b.splitlines()[0].split()[0]: b.splitlines() for b in text.split("\n\n")[:-1]}
    assert list(blocks) == list(dict.fromkeys(r["environment"] for r in rows))
    for r in rows:
        heading, *body = blocks[r["environment"]]
        line = next(x for x in body if x.startswith(f"  {r['image']}  "))  # the name whole
        image, declared, *_ = line.split()
        assert image == r["image"] and declared.startswith(r["declared"]["tag"])
        if r["cluster"]["runs_declared"]:
            assert "= declared" in line
        pr = r["pull_request"]
        assert (f"#{pr['number']}" in heading) if pr["state"] == "open" else ("pull request" in heading)
        facts = heading.removeprefix(r["environment"]).strip().split(" · ")
        assert ("no gate" in facts) is (r["gate"]["state"] == "no_gate")
        assert ("gate open (Synced, Healthy)" in heading) is (r["gate"]["state"] == "open")
    assert any(line.startswith("3 environments, 11 images") for line in lines)


def test_an_unreachable_registry_and_a_missing_application_leave_their_cells_unknown(
    stage: demo.Stage, capsys: pytest.CaptureFixture[str]
) -> None:
    stage.registry.stop()  # nothing listens there any more; Argo CD has no app-staging yet
    code, out, err = run(capsys, "status", "--repo", str(stage.repo), "--output", "json")
    assert code == 2  # the worst failure: a missing application is a config error (over 3)
    errors = err.splitlines()
    assert len(errors) == 2 and all(e.startswith("gitops-bot: error: unknown: ") for e in errors)
    assert f"registry {stage.registry.host} unreachable" in errors[0]
    assert "has no application 'app-staging'" in errors[1]
    rows = json.loads(out)["rows"]
    assert len(rows) == 11 and all(r["declared"] is not None for r in rows)
    for r in rows:
        if r["environment"] == "production":  # receives promotions: no registry asked
            assert r["plan"]["state"] == "known" and r["plan"]["action"] == "none"
        else:
            assert r["plan"]["state"] == "unknown" and "unreachable" in r["plan"]["reason"]
        assert r["pull_request"] == {"state": "none"}
        if r["environment"] == "staging":
            assert r["gate"]["state"] == "unknown" and "app-staging" in r["gate"]["reason"]
            assert r["cluster"]["state"] == "unknown"
    code, text, _ = run(capsys, "status", "--repo", str(stage.repo))
    assert code == 2
    # each environment: a heading, its table's heading and a line an image; the summary
    environments = len({r["environment"] for r in rows})
    assert len([x for x in text.splitlines() if x]) == 2 * environments + 11 + 1, text
    assert "unknown: registry" in text
