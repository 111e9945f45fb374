"""The ledger counts chart versions as part of a release: a commit that moves only a chart's
pinned version is a release, its entry carries the whole chart set after it, and a chart
whose Flux HelmRepository sits in another file of the environment is read as ``plan`` reads it.
Real git: a bare remote written commit by commit, read back through a workspace."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.git.git import GitWorkspace
from gitops_bot.manifests import images, nodes
from gitops_bot.manifests.charts import ChartSpec
from gitops_bot.release import ledger

URL = "https://stefanprodan.github.io/podinfo"
# After fluxcd/flux2-kustomize-helm-example (apps/base/podinfo), trimmed: the repository and
# the release in two files, as that example keeps them
REPOSITORY = f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 5m
  url: {URL}
"""
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 50m
  replicas: {replicas}
  chart:
    spec:
      chart: podinfo
      version: {version} # pinned
      sourceRef:
        kind: HelmRepository
        name: podinfo
"""
KUSTOMIZATION = """resources: [repository.yaml, release.yaml]
images:
- name: app
  newTag: {tag}
"""


def _commit(work: Path, message: str, **files: str) -> None:
    for name, text in files.items():
        (work / "prod" / f"{name}.yaml").write_text(text)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(work), "-c", "user.name=dev", "-c", "user.email=d@x", "commit", "-qm", message],
        check=True,
    )


def _remote(tmp_path: Path) -> Path:
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    (work / "prod").mkdir()
    _commit(
        work,
        "initial",
        kustomization=KUSTOMIZATION.format(tag="1.0.0"),
        repository=REPOSITORY,
        release=RELEASE.format(version="6.5.4", replicas=1),
    )
    _commit(
        work,
        "prod: podinfo 6.7.1\n\nGitops-Bot-Release: prod-chart1",
        release=RELEASE.format(version="6.7.1", replicas=1),
    )
    _commit(work, "more replicas", release=RELEASE.format(version="6.7.1", replicas=3))
    _commit(
        work,
        "prod: app 1.1.0\n\nGitops-Bot-Release: prod-image1",
        kustomization=KUSTOMIZATION.format(tag="1.1.0"),
    )
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, capture_output=True)
    return remote


PATHS = ["prod/kustomization.yaml", "prod/repository.yaml", "prod/release.yaml"]


def test_a_commit_moving_only_a_chart_version_is_a_release_with_the_chart_set_after_it(
    tmp_path: Path,
) -> None:
    remote = _remote(tmp_path)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        entries = ledger.read(
            ws, ws.base_ref, PATHS, [images.ImageSpec("app")], charts=[ChartSpec("podinfo", URL)]
        )
    assert [e.name for e in entries[:2]] == ["prod-image1", "prod-chart1"]
    image, chart, first = entries  # the replicas commit changed neither: not a release
    assert (image.changed, image.changed_charts) == (("app",), ())
    assert image.charts == {"podinfo": "6.7.1"}  # the whole chart set, as images are
    assert (chart.changed, chart.changed_charts) == ((), ("podinfo",))
    assert chart.charts == {"podinfo": "6.7.1"} and chart.images["app"].tag == "1.0.0"
    assert first.release is None and first.charts == {"podinfo": "6.5.4"}
    assert chart.to_json()["charts"] == {"podinfo": {"version": "6.7.1"}}
    assert chart.to_json()["changed_charts"] == ["podinfo"]


def test_without_charts_asked_the_history_is_the_images_alone(tmp_path: Path) -> None:
    remote = _remote(tmp_path)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        entries = ledger.read(ws, ws.base_ref, PATHS, [images.ImageSpec("app")])
    assert [e.name for e in entries[:1]] == ["prod-image1"]
    assert all(e.charts == {} and e.changed_charts == () for e in entries)
    assert len(entries) == 2  # the image release and the commit that first set it


def test_each_file_of_a_long_history_is_composed_once_for_its_images_and_its_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every version of a file is composed once, however many states share it and whether
    images or charts are read from it; the files here are larger than the composer's memo
    keeps, as a long history's are together."""
    remote = _remote(tmp_path)
    work = tmp_path / "work"
    padding = "# " + "x" * 100 + "\n"
    for version in ("6.8.0", "6.9.0", "6.10.0", "6.11.0"):
        release = RELEASE.format(version=version, replicas=1) + padding * 1_000  # ~100 KB
        _commit(work, f"prod: podinfo {version}", release=release)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, capture_output=True)
    composed: list[str] = []
    real = nodes.yaml.compose_all

    def counting(stream: str, Loader: Any) -> Any:  # PyYAML's own keyword
        composed.append(stream)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(nodes.yaml, "compose_all", counting)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        entries = ledger.read(
            ws, ws.base_ref, PATHS, [images.ImageSpec("app")], charts=[ChartSpec("podinfo", URL)]
        )
    assert entries[0].charts == {"podinfo": "6.11.0"}
    assert len(composed) == len(set(composed))
