"""Chart versions in an environment's release history and its rollback: the chart set-up of
the chart update tests (a classic chart repository built by the real ``helm repo index`` on
loopback, an OCI chart pushed by the real ``helm push`` to the registry process, a
kustomization's ``helmCharts``, an Argo CD Application and a ``Chart.yaml`` dependency with
its ``Chart.lock``); a release that changes chart versions only is in ``history``, and
``rollback`` restores the versions byte-exactly, relocks the chart and holds them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot.cli import main
from testkit import helm_charts
from testkit.chart_repo import ChartRepo
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, update

CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/{ns}/app
    range: "^1"
charts:
  - name: podinfo
    repository: {classic}
    range: "^1"
  - name: sourced
    repository: oci://{host}/{ns}-charts
environments:
  - name: staging
    paths: [overlays/staging, apps/staging]
  - name: dev
    paths: [overlays/dev, apps/dev]
    promote_from: staging
    write: commit
github:
  repository: acme/gitops
  api_url: {api}
  write_interval: 0
"""

HELM_CHARTS = """helmCharts:
  - name: podinfo
    repo: {classic}
    version: 1.0.0 # pinned by gitops-bot
    releaseName: podinfo
"""

APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: sourced
spec:
  project: default
  source:
    repoURL: {host}/{ns}-charts
    chart: sourced
    targetRevision: "0.1.0"
  destination:
    server: https://kubernetes.default.svc
    namespace: sourced
"""

UMBRELLA = """apiVersion: v2
name: umbrella
version: 0.1.0
dependencies:
  - name: podinfo
    version: 1.0.0
    repository: {classic}
"""


@pytest.fixture
def charted(
    world: World, registry: RegistryProcess, tmp_path: Path
) -> Iterator[tuple[World, ChartRepo, Path]]:
    """The update example with charts: podinfo 1.0.0, 1.2.1 and 2.0.0 in a classic repository,
    sourced 0.1.0 and 0.2.0 in the registry; staging pins podinfo 1.0.0 in its kustomization and
    its umbrella chart (locked by the real ``helm dependency update``), and sourced 0.1.0 in an
    Argo CD Application. Yields the world, the chart repository and a clone of main."""
    with ChartRepo(prefix="/charts") as repo:
        served = helm_charts.repository(
            tmp_path / "helm-classic", "podinfo", ["1.0.0", "1.2.1", "2.0.0"], repo.url
        )
        repo.index = served.pop("/charts/index.yaml")
        repo.files = served
        helm_charts.push(
            tmp_path / "helm-oci", "sourced", ["0.1.0", "0.2.0"], registry.host, f"{world.ns}-charts"
        )
        work = tmp_path / "work"
        subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
        values = {"host": registry.host, "ns": world.ns, "classic": repo.url, "api": world.github.url}
        (work / "gitops-bot.yaml").write_text(CONFIG.format(**values))
        with (work / "overlays/staging/kustomization.yaml").open("a") as f:
            f.write(HELM_CHARTS.format(**values))
        apps = work / "apps/staging"
        apps.mkdir(parents=True)
        (apps / "application.yaml").write_text(APPLICATION.format(**values))
        (apps / "Chart.yaml").write_text(UMBRELLA.format(**values))
        (work / "apps/dev").mkdir()
        (work / "apps/dev/application.yaml").write_text(APPLICATION.format(**values))
        helm_charts.run(["dependency", "update", str(apps)], tmp_path / "helm-lock")
        subprocess.run(["rm", "-rf", str(apps / "charts")], check=True)
        git(work, "add", "-A")
        git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "charts")
        git(work, "push", "-q", "origin", "main")
        yield world, repo, work


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
    assert "1.0.0" in line and "1.2.1" in line and f"#{pr['number']}" in line and "n/a" in line
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
