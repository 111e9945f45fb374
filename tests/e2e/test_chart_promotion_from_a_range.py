"""A chart promotion story (``testkit.chart_world``: staging pins the OCI chart ``sourced`` in
an Argo CD Application, dev is promoted from staging and pins it there too). Staging's
Application takes the chart as a SemVer range (Argo CD's ``targetRevision: ">=0.1.0 <1.0.0"``
for a Helm chart), so nothing can promote it: dev's plan and ``promote staging dev`` both say
so with the fix, and promote (``--image sourced``: the chart alone) changes nothing. The operator follows the fix (an exact version
in staging) and the next promote carries it; the real ``helm`` registry served both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.chart_repo import ChartRepo
from testkit.update_world import World, git

APPLICATION = "apps/staging/application.yaml"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _pin_staging(work: Path, revision: str) -> None:
    path = work / APPLICATION
    text = path.read_text()
    path.write_text(
        text.replace(text[text.index("targetRevision:") :].split("\n")[0], f"targetRevision: {revision}")
    )
    git(
        work,
        "-c",
        "user.name=dev",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-qam",
        f"staging: {revision}",
    )
    git(work, "push", "-q", "origin", "main")


def test_a_chart_staging_pins_as_a_range_is_said_by_plan_and_promote_until_pinned(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    world, _, work = charted
    _pin_staging(work, '">=0.1.0 <1.0.0"')
    line = (work / APPLICATION).read_text().split("\n").index('    targetRevision: ">=0.1.0 <1.0.0"') + 1
    said = (
        f"staging pins sourced only as the range >=0.1.0 <1.0.0 ({APPLICATION}:{line}), and promote "
        "carries exact versions only: nothing can promote it (fix: pin an exact version of sourced in staging)"
    )
    plan = _json(capsys, "plan", "--repo", str(work), "--env", "dev")
    (dev,) = [
        c for e in plan["environments"] if e["name"] == "dev" for c in e["charts"] if c["chart"] == "sourced"
    ]
    assert (dev["action"], dev["reason"]) == ("skip", said)

    before = world.show("main", "apps/dev/application.yaml")
    head = world.sha("main")
    promoted = _json(
        capsys, "promote", "staging", "dev", "--image", "sourced", "--repo", f"file://{world.remote}"
    )
    (result,) = promoted["results"]
    assert promoted["changed"] is False and result["action"] == "unchanged", promoted
    assert f"sourced (chart): {said}" in result["warnings"]
    assert world.sha("main") == head and world.show("main", "apps/dev/application.yaml") == before

    # the fix the line names: staging pins one exact version, which promote carries to dev
    git(work, "pull", "-q", "--ff-only")
    _pin_staging(work, '"0.2.0"')
    promoted = _json(
        capsys, "promote", "staging", "dev", "--image", "sourced", "--repo", f"file://{world.remote}"
    )
    assert promoted["changed"] is True, promoted
    assert world.show("main", "apps/dev/application.yaml") == before.replace(
        b'targetRevision: "0.1.0"', b'targetRevision: "0.2.0"'
    )
