"""Chart versions in an environment's release history and its rollback, over the update
example with charts (the ``charted`` fixture, ``testkit.chart_world``); a release that changes chart versions only is in ``history``, and
``rollback`` restores the versions byte-exactly, relocks the chart and holds them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot.cli import main
from testkit import helm_charts
from testkit.chart_repo import ChartRepo
from testkit.update_world import World, git, update

FILES = (
    "overlays/staging/kustomization.yaml",
    "apps/staging/application.yaml",
    "apps/staging/Chart.yaml",
)


def _run(capsys: pytest.CaptureFixture[str], world: World, *args: str) -> dict[str, Any]:
    code = main([*args, "--repo", f"file://{world.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _merge(world: World, branch: str) -> None:
    git(world.remote, "update-ref", "refs/heads/main", f"refs/heads/{branch}")  # the PR merged


def test_a_release_of_chart_versions_alone_is_in_history_with_the_versions_it_set(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    world, _, _ = charted
    update(capsys, world, "--env", "staging")  # no new image: the charts alone
    _merge(world, "gitops-bot/staging")

    doc = _run(capsys, world, "history", "staging")
    assert doc["schema"] == "gitops-bot/history/v1"
    newest, older = doc["releases"][0], doc["releases"][1]
    assert newest["release"] and newest["release"].startswith("staging-")
    assert newest["changed"] == ["example/app"]  # its digest, pinned in the same release
    assert newest["changed_charts"] == ["podinfo", "sourced"]
    assert newest["charts"] == {"podinfo": {"version": "1.2.1"}, "sourced": {"version": "0.2.0"}}
    assert list(newest["images"]) == ["example/app"]  # the image set stays whole
    # the hand-made commit that added the charts is a release too: it set the first versions
    assert older["release"] is None and older["changed_charts"] == ["podinfo", "sourced"]
    assert older["charts"] == {"podinfo": {"version": "1.0.0"}, "sourced": {"version": "0.1.0"}}

    code = main(["history", "staging", "--repo", f"file://{world.remote}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "  * podinfo (chart)  1.2.1\n" in out and "  * sourced (chart)  0.2.0\n" in out


def test_rollback_restores_the_earlier_chart_versions_byte_exactly_relocked_and_held(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world, repo, _ = charted
    before = {p: world.show("main", p) for p in FILES}
    lock_before = yaml.safe_load(world.show("main", "apps/staging/Chart.lock"))
    update(capsys, world, "--env", "staging")
    _merge(world, "gitops-bot/staging")
    assert world.show("main", "apps/staging/Chart.yaml") != before["apps/staging/Chart.yaml"]

    (res,) = _run(capsys, world, "rollback", "staging")["results"]
    assert res["action"] == "pull_request" and res["kind"] == "rollback"
    branch = res["branch"]
    assert {p: world.show(branch, p) for p in FILES} == before  # every byte as it was
    lock = yaml.safe_load(world.show(branch, "apps/staging/Chart.lock"))
    assert lock["dependencies"] == lock_before["dependencies"]
    assert lock["digest"] == lock_before["digest"]  # what helm computes for the restored Chart.yaml
    holds = yaml.safe_load(world.show(branch, "gitops-bot.holds.yaml"))
    assert set(holds["staging"]) == {"example/app", "podinfo", "sourced"}
    assert (
        holds["staging"]["podinfo"].startswith("rolled back to ")
        and "(was 1.2.1)" in holds["staging"]["podinfo"]
    )

    # the real helm accepts the restored pair
    check = tmp_path / "check"
    subprocess.run(["git", "clone", "-q", "-b", branch, str(world.remote), str(check)], check=True)
    helm_charts.run(["repo", "add", "classic", repo.url], tmp_path / "helm-check")
    helm_charts.run(["dependency", "build", str(check / "apps/staging")], tmp_path / "helm-check")
    rendered = helm_charts.run(["template", "u", str(check / "apps/staging")], tmp_path / "helm-check")
    assert 'version: "1.0.0"' in rendered

    # the same command again changes nothing
    head, pulls = world.sha(branch), len(world.github.pulls)
    again = _run(capsys, world, "rollback", "staging")
    assert again["changed"] is False and world.sha(branch) == head and len(world.github.pulls) == pulls

    # merged, the held versions stay where update would move them
    _merge(world, branch)
    result = update(capsys, world, "--env", "staging")
    assert result["changed"] is False
    assert {p: world.show("main", p) for p in FILES} == before


def test_status_shows_each_chart_with_its_declared_version_candidate_and_open_pull_request(
    charted: tuple[World, ChartRepo, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # not a terminal: the table keeps every word
    world, _, work = charted
    update(capsys, world, "--env", "staging")  # staging's pull request is open
    (pr,) = world.github.open_pulls()

    code = main(["status", "--repo", str(work), "--output", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["complete"] is True
    charts = {(r["environment"], r["image"]): r for r in doc["rows"] if r["kind"] == "chart"}
    assert set(charts) == {("staging", "podinfo"), ("staging", "sourced"), ("dev", "sourced")}
    podinfo = charts["staging", "podinfo"]
    assert podinfo["declared"]["version"] == "1.0.0" and podinfo["declared"]["file"].startswith(
        "overlays/staging/"
    )
    assert podinfo["plan"]["action"] == "update" and podinfo["plan"]["candidate"] == {
        "tag": "1.2.1",
        "digest": None,
    }
    assert "^1" in podinfo["plan"]["reason"]  # why this one: the policy's words
    assert podinfo["pull_request"]["number"] == pr["number"]
    assert podinfo["cluster"]["state"] == "not_applicable"
    dev = charts["dev", "sourced"]
    assert dev["plan"]["action"] == "none" and "receives promotions from staging" in dev["plan"]["reason"]
    assert dev["pull_request"] == {"state": "none"}
    assert [r["kind"] for r in doc["rows"]].count("image") == 2  # the images' rows are still there

    code = main(["status", "--repo", str(work)])
    out, err = capsys.readouterr()
    assert code == 0, err
    (line,) = [ln for ln in out.splitlines() if "podinfo (chart)" in ln]
    assert "1.0.0" in line and "1.2.1" in line and "n/a" in line
    # rows are grouped by environment: the open pull request is said in the group's header
    (header,) = [ln for ln in out.splitlines() if ln.startswith("staging ")]
    assert f"pull request #{pr['number']}" in header
    assert "2 images, 3 charts" in out


def test_rollback_of_a_release_that_moved_a_chart_alone_restores_that_chart_alone(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    world, _, work = charted
    update(capsys, world, "--env", "staging")
    _merge(world, "gitops-bot/staging")
    released = world.show("main", "apps/staging/application.yaml")
    # by hand, someone moves sourced back to 0.1.0 (a release of one chart, nothing else)
    git(work, "pull", "-q", "origin", "main")
    app_file = work / "apps/staging/application.yaml"
    app_file.write_bytes(released.replace(b'targetRevision: "0.2.0"', b'targetRevision: "0.1.0"'))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "sourced back")
    git(work, "push", "-q", "origin", "main")
    newest = _run(capsys, world, "history", "staging")["releases"][0]
    assert (newest["release"], newest["changed"], newest["changed_charts"]) == (None, [], ["sourced"])

    kustomization = world.show("main", "overlays/staging/kustomization.yaml")
    (res,) = _run(capsys, world, "rollback", "staging")["results"]
    assert res["action"] == "pull_request" and res["kind"] == "rollback"
    assert [(c["image"], c["from"]["tag"], c["to"]["tag"]) for c in res["images"]] == [
        ("sourced", "0.1.0", "0.2.0")
    ]
    branch = res["branch"]
    assert world.show(branch, "apps/staging/application.yaml") == released
    assert world.show(branch, "overlays/staging/kustomization.yaml") == kustomization  # images untouched
    holds = yaml.safe_load(world.show(branch, "gitops-bot.holds.yaml"))
    assert list(holds["staging"]) == ["sourced"]
