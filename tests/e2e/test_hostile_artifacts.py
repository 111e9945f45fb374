"""One bad artifact fails only itself. A chart repository index (built by the real ``helm repo
index``, served on loopback) gains versions no chart can have — one of 300 characters that is
otherwise valid SemVer inside the policy's range and newer than every real one (the version the
bot would pick were it accepted), one with a line separator, one with a NUL: the run still
plans and proposes every good artifact (the other versions of that chart, the other chart, the
images), reports each bad one in one line, and exits as usual."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.policy import semver
from testkit.chart_repo import ChartRepo
from testkit.update_world import World, update

LONG = "1.9.0+" + "a" * 294  # 300 characters; SemVer, inside ^1, newer than 1.2.1
HOSTILE = [LONG, "1.8.0\u2028x", "1.7.0\x00"]


def _entry(version: str, url: str) -> str:
    quoted = json.dumps(version)  # a YAML double-quoted scalar: \u2028 and \u0000 escapes
    return (
        "  - apiVersion: v2\n"
        "    name: podinfo\n"
        f"    version: {quoted}\n"
        f"    urls:\n    - {url}/podinfo-1.9.0.tgz\n"
        '    created: "2026-01-01T00:00:00Z"\n'
    )


def _poison(repo: ChartRepo) -> None:
    text = repo.index.decode()
    head, marker, rest = text.partition("  podinfo:\n")
    assert marker, text[:200]
    repo.index = (head + marker + "".join(_entry(v, repo.url) for v in HOSTILE) + rest).encode()


def _plan(capsys: pytest.CaptureFixture[str], work: Path) -> tuple[int, dict[str, Any], str]:
    code = main(["plan", "--repo", str(work), "--output", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_the_hostile_version_is_the_one_a_policy_would_pick() -> None:
    """The control: accepted as a version, the 300-character entry would win under ^1."""
    assert semver.Version.is_valid(LONG)
    assert semver.Version.parse(LONG) > semver.Version.parse("1.2.1")


def test_implausible_chart_versions_fail_only_themselves(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    world, repo, work = charted
    _poison(repo)
    world.push("app", "1.1.0")

    code, plan, err = _plan(capsys, work)

    assert code == 0, err
    (staging,) = [e for e in plan["environments"] if e["name"] == "staging"]
    charts = {c["chart"]: c for c in staging["charts"]}
    assert charts["podinfo"]["candidate"] == {"version": "1.2.1"}
    assert charts["sourced"]["candidate"] == {"version": "0.2.0"}
    assert [i["action"] for i in staging["images"] if i["image"] == "example/app"] == ["update"]
    warnings = [line for line in err.splitlines() if "implausible chart version" in line]
    assert len(warnings) == len(HOSTILE), err
    assert "Traceback" not in err and "a" * 100 not in err

    result = update(capsys, world, "--env", "staging")
    (res,) = result["results"]
    assert res["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    assert "1.2.1" in pr["body"] and "1.9.0" not in pr["body"] and "1.8.0" not in pr["body"]
    kustomization = world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
    assert "1.2.1" in kustomization and "1.9.0" not in kustomization
