"""A person's promotion pull request follows the decision both ways: marked "gitops-bot no
longer stands behind this" while its source is Degraded, and the mark lifted (and said to be)
once the source recovers and every surface says "promote" again, so no reviewer reads a reason
that no longer holds. A dry run says so first and writes nothing; a second run changes nothing.

The promotion example: the real registry and git remote, the spec-held GitHub and Argo CD."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit.markup import shown
from testkit.promotion_world import World, run
from testkit.soak_clock import promoted_to_staging, running
from testkit.surfaces import act
from testkit.surfaces import surfaces as check


def _production(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "production"]


def test_the_mark_on_a_persons_promotion_is_lifted_when_its_source_recovers(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    world.staging_runs(*images)
    run(capsys, world, "promote", "staging", "production")
    (mine,) = world.github.open_pulls()
    body = mine["body"]

    world.staging_runs(*images, health="Degraded")
    run(capsys, world, "update", "--env", "production")
    (marked,) = world.github.open_pulls()
    assert marked["body"].count(STALE_MARK) == 1 and "Degraded" in shown(marked["body"])

    # staging recovers: every surface says promote again
    world.staging_runs(*images)
    s = check(world.remote, world.tmp, capsys, [marked["number"]])
    assert act(s[("production", "example/app")]) == ("promote", "promotion")

    dry = _production(run(capsys, world, "update", "--env", "production", "--dry-run"))
    said = [w for r in dry for w in r["warnings"]]
    assert f"would lift the mark on pull request #{mine['number']}: its reason no longer holds" in said, said
    (step,) = [r["next_step"] for r in dry if r.get("next_step")]
    assert step["action"] == "update" and STALE_MARK not in step["body"]
    assert world.github.open_pulls()[0]["body"] == marked["body"]  # the dry run wrote nothing

    done = _production(run(capsys, world, "update", "--env", "production"))
    said = [w for r in done for w in r["warnings"]]
    assert any(w.startswith(f"pull request #{mine['number']}: the mark is lifted") for w in said), said
    assert [r["next_step"] for r in done if r.get("next_step")] == [step]
    (lifted,) = world.github.open_pulls()
    assert lifted["number"] == mine["number"] and lifted["body"] == body.rstrip()

    again = _production(run(capsys, world, "update", "--env", "production"))
    assert all(not r["warnings"] for r in again), again
    assert world.github.open_pulls()[0]["body"] == lifted["body"]
