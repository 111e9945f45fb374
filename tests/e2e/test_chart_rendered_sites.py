"""Charts pinned where the environment renders them, on kubernetes-sdlc's tree (copied data,
tests/data/charts/whole/kubernetes-sdlc/SOURCE.md): a Flux HelmRelease that sits beside no
image, in a platform directory. Read through the CLI against a classic chart repository built
by the real ``helm repo index`` (served on loopback): where only development renders the
platform, ``update --dry-run`` edits it there; where every cluster names it, nothing is edited
for one of them and the plan says where it is pinned and who else renders it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit import helm_charts
from testkit.chart_repo import ChartRepo
from testkit.paths import kubernetes_sdlc

KYVERNO = "https://kyverno.github.io/kyverno/"  # as the repository writes its HelmRepository
CONFIG = """version: 1
images: []
charts:
- name: kyverno
  repository: {url}
environments:
- name: development
  paths: [platform/services, clusters/development]
  write: commit
- name: staging
  paths: [{platform}clusters/staging]
  write: commit
"""


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[ChartRepo]:
    with ChartRepo(prefix="/charts") as repo:
        served = helm_charts.repository(tmp_path / "helm", "kyverno", ["3.0.0", "3.0.1", "3.1.0"], repo.url)
        repo.index = served.pop("/charts/index.yaml")
        repo.files = served
        yield repo


def _remote(tmp_path: Path, repo: ChartRepo, *, shared: bool) -> tuple[Path, Path]:
    work = tmp_path / "work"
    kubernetes_sdlc(work)
    release = work / "platform/services/kyverno.yaml"
    release.write_text(release.read_text().replace(KYVERNO, repo.url))
    platform = "platform/services, " if shared else ""
    (work / "gitops-bot.yaml").write_text(CONFIG.format(url=repo.url, platform=platform))
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(work),
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-qm",
            "sdlc",
        ],
        check=True,
    )
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return work, remote


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict[str, Any]:
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _charts(plan: dict[str, Any], env: str) -> dict[str, dict[str, Any]]:
    (found,) = [e for e in plan["environments"] if e["name"] == env]
    return {c["chart"]: c for c in found["charts"]}


def test_a_helmrelease_beside_no_image_that_only_development_renders_is_released_there(
    tmp_path: Path, chart_repo: ChartRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    work, remote = _remote(tmp_path, chart_repo, shared=False)
    plan = _json(capsys, ["plan", "--repo", str(work)])
    kyverno = _charts(plan, "development")["kyverno"]
    assert (kyverno["action"], kyverno["file"]) == ("update", "platform/services/kyverno.yaml")
    assert (kyverno["current"], kyverno["candidate"]) == ({"version": "3.0.0"}, {"version": "3.1.0"})
    assert _charts(plan, "staging") == {}  # staging renders no platform here, and lists no chart

    dry = _json(capsys, ["update", "--env", "development", "--dry-run", "--repo", f"file://{remote}"])
    (res,) = dry["results"]
    assert res["action"] == "dry_run"
    (change,) = res["images"]
    assert (change["image"], change["files"]) == ("kyverno", ["platform/services/kyverno.yaml"])
    assert "-      version: 3.0.0\n+      version: 3.1.0\n" in res["diff"]
    assert res["diff"].count("diff --git") == 1


def test_a_helmrelease_every_cluster_renders_is_named_with_them_and_never_edited_for_one(
    tmp_path: Path, chart_repo: ChartRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    work, remote = _remote(tmp_path, chart_repo, shared=True)
    plan = _json(capsys, ["plan", "--repo", str(work)])
    kyverno = _charts(plan, "development")["kyverno"]
    assert kyverno["action"] == "skip"
    assert kyverno["reason"].startswith(
        "pinned in platform/services/kyverno.yaml:28, which staging renders too; "
        "a release for development alone does not edit it (fix: give development "
    )
    assert kyverno["current"] == {"version": "3.0.0"}
    # never asked: a version the plan would not write
    assert not [s for s in chart_repo.seen if s.headers.get("user-agent") == "gitops-bot"]

    dry = _json(capsys, ["update", "--env", "development", "--dry-run", "--repo", f"file://{remote}"])
    assert dry["results"] == [] and dry["changed"] is False
    (skipped,) = dry["skipped"]
    assert skipped["image"] == "kyverno" and skipped["reason"] == kyverno["reason"]

    assert main(["plan", "--repo", str(work)]) == 0
    out, _ = capsys.readouterr()
    assert "chart kyverno  3.0.0" in out and "which staging renders too" in out


def test_explain_says_where_a_shared_chart_is_pinned_and_who_else_renders_it(
    tmp_path: Path, chart_repo: ChartRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    _, remote = _remote(tmp_path, chart_repo, shared=True)
    assert main(["explain", "development", "kyverno", "--repo", f"file://{remote}"]) == 0
    out, _ = capsys.readouterr()
    assert (
        "kyverno (runs 3.0.0)\n  decision: skip (error): pinned in platform/services/kyverno.yaml:28, which "
        in out
    )
    assert "staging renders too" in out


def test_promote_leaves_a_chart_the_target_shares_with_another_environment_and_says_so(
    tmp_path: Path, chart_repo: ChartRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """development pins kyverno 3.1.0 in a HelmRelease of its own; staging and production both
    render platform/services' 3.0.0: promoting development to staging would move production."""
    work, _ = _remote(tmp_path, chart_repo, shared=False)
    own = work / "clusters/development/kyverno.yaml"
    own.write_text((work / "platform/services/kyverno.yaml").read_text().replace("3.0.0", "3.1.0"))
    (work / "gitops-bot.yaml").write_text(
        f"version: 1\nimages: []\ncharts:\n- name: kyverno\n  repository: {chart_repo.url}\n"
        "environments:\n- {name: development, path: clusters/development, write: commit}\n"
        "- {name: staging, path: platform/services, write: commit, promote_from: development}\n"
        "- {name: production, path: platform/services, write: commit}\n"
    )
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(work),
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-qm",
            "own",
        ],
        check=True,
    )
    remote = tmp_path / "promote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    code = main(["promote", "development", "staging", "--repo", f"file://{remote}", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Summary:\n  staging: nothing to change\n")
    assert (
        "    warning: kyverno (chart): pinned in platform/services/kyverno.yaml:28, which production renders "
        "too; a release for staging alone does not edit it (fix: give staging"
    ) in out


def test_init_registry_checks_each_guessed_chart_policy_against_the_versions_its_repository_holds(
    tmp_path: Path, chart_repo: ChartRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    work, _ = _remote(tmp_path, chart_repo, shared=False)
    (work / "gitops-bot.yaml").unlink()
    (work / "platform/services/metrics-server.yaml").unlink()  # its repository is not reached from here
    for generated in work.glob("clusters/*/flux-system/gotk-components.yaml"):  # nor ghcr.io's Flux images
        generated.unlink()
        listing = generated.with_name("kustomization.yaml")
        listing.write_text(listing.read_text().replace("- gotk-components.yaml\n", ""))
    code = main(["init", "--repo", str(work), "--registry"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (
        "  kyverno (chart): 3 versions; semver would choose 3.1.0 (pinned today: 3.0.0) - highest of 3 tags "
        "matching semver >=3.0.0 <4.0.0\n"
    ) in out
    assert f'- name: "kyverno"\n  repository: "{chart_repo.url}"\n' in out
