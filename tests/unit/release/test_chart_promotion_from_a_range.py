"""A chart environment promoted from one that pins the chart only as a version range (a
HelmRelease's ``version: ">=1.2 <2"``, a Chart.yaml dependency's range): ``promote`` carries
only exact versions, so nothing can promote the chart. The plan says so with the fix (pin an
exact version in the source), in the words it uses for a source that does not pin the chart
at all (planning.not_promotable), where it said "receives promotions from dev; run
'gitops-bot promote dev production'"; and ``promote`` says the same where it skipped the chart
without a word. A source that pins an exact version is still promoted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.local_git import committed

REPO = "https://127.0.0.1:1/charts"  # never asked: no environment's policy lists its versions
CONFIG = f"""\
version: 1
images: []
charts:
  - name: podinfo
    repository: {REPO}
environments:
  - name: dev
    path: dev
  - name: production
    path: production
    promote_from: dev
"""
# Flux's HelmRelease (helm.toolkit.fluxcd.io/v2) and its HelmRepository, as Flux's docs write them
HELM_REPOSITORY = f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 1h
  url: {REPO}
"""
HELM_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "{version}"
      sourceRef:
        kind: HelmRepository
        name: podinfo
"""
UMBRELLA = f"""\
apiVersion: v2
name: umbrella
version: 0.1.0
dependencies:
  - name: podinfo
    version: "{{version}}"
    repository: {REPO}
"""


def _helmrelease(version: str) -> dict[str, str]:
    return {
        "kustomization.yaml": "resources:\n- repository.yaml\n- helmrelease.yaml\n",
        "repository.yaml": HELM_REPOSITORY,
        "helmrelease.yaml": HELM_RELEASE.format(version=version),
    }


def _dependency(version: str) -> dict[str, str]:
    return {"Chart.yaml": UMBRELLA.format(version=version)}


FORMS = {
    "helmrelease": (_helmrelease, "dev/helmrelease.yaml:11"),
    "dependency": (_dependency, "dev/Chart.yaml:6"),
}


def _repo(tmp: Path, form: str, dev: str | None, production: str = "1.2.0") -> tuple[Path, Path]:
    """The working copy (what ``plan`` reads) and its origin (what ``promote`` clones); dev
    without the chart when ``dev`` is None."""
    work, remote = tmp / "work", tmp / "remote.git"
    files = {"gitops-bot.yaml": CONFIG}
    write = FORMS[form][0]
    dev_files = write(dev) if dev is not None else {"kustomization.yaml": "resources: []\n"}
    files |= {f"dev/{k}": v for k, v in dev_files.items()}
    files |= {f"production/{k}": v for k, v in write(production).items()}
    committed(work, files)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return work, remote


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _production_chart(work: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    doc = _run(["plan", "--repo", str(work), "--env", "production"], capsys)
    envs = doc["environments"]
    assert isinstance(envs, list)
    (chart,) = [c for e in envs if e["name"] == "production" for c in e["charts"]]
    return chart  # type: ignore[no-any-return]


def _promote(remote: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return _run(["promote", "dev", "production", "--repo", f"file://{remote}", "--dry-run"], capsys)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_source_that_pins_the_chart_as_a_range_says_nothing_can_promote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    work, remote = _repo(tmp_path, form, ">=1.2 <2")
    said = (
        f"dev pins podinfo only as the range >=1.2 <2 ({FORMS[form][1]}), and promote carries exact "
        "versions only: nothing can promote it (fix: pin an exact version of podinfo in dev)"
    )
    chart = _production_chart(work, capsys)
    assert (chart["action"], chart["reason"]) == ("skip", said)
    ((result,),) = [_promote(remote, capsys)["results"]]  # type: ignore[misc]
    assert (result["action"], result["release"]) == ("unchanged", None), result
    assert f"podinfo (chart): {said}" in result["warnings"], result


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_source_that_pins_an_exact_version_is_still_promoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    work, remote = _repo(tmp_path, form, "1.3.0")
    chart = _production_chart(work, capsys)
    assert (chart["action"], chart["reason"]) == (
        "none",
        "receives promotions from dev; run 'gitops-bot promote dev production'",
    )
    ((result,),) = [_promote(remote, capsys)["results"]]  # type: ignore[misc]
    assert result["action"] == "dry_run" and result["release"] is not None, result
    assert result["warnings"] == [], result


def test_a_source_that_does_not_pin_the_chart_is_said_by_promote_as_by_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, remote = _repo(tmp_path, "helmrelease", None)
    said = "dev does not run podinfo: nothing can promote it (fix: drop promote_from, or run the same chart in both)"
    assert _production_chart(work, capsys)["reason"] == said
    ((result,),) = [_promote(remote, capsys)["results"]]  # type: ignore[misc]
    assert (result["action"], result["warnings"]) == ("unchanged", [f"podinfo (chart): {said}"]), result


def test_a_target_that_pins_a_range_is_its_own_to_resolve_and_not_said_to_receive_promotions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, remote = _repo(tmp_path, "helmrelease", "1.3.0", production=">=1.2 <2")
    chart = _production_chart(work, capsys)
    assert (chart["action"], chart["reason"]) == (
        "none",
        "range >=1.2 <2 at production/helmrelease.yaml:11 is resolved when the chart is installed",
    )
    ((result,),) = [_promote(remote, capsys)["results"]]  # type: ignore[misc]
    assert (result["action"], result["warnings"]) == ("unchanged", []), result
