"""A person's promotion marked for one reason, then held back for another, is marked for the
new reason alone: production's promotion is marked "gitops-bot no longer stands behind this:
... Degraded" while staging is Degraded; staging recovers and a person holds production's
image, and the mark then says the hold, once, and no longer the Degraded source, so no
reviewer reads a reason that no longer holds. The dry run says the step the run executes and
writes nothing; a second run changes nothing.

The update example with production promoted from staging, on GitHub and on GitLab: the real
registry and git remote, each forge's spec-held fake and Argo CD's, the bot's clock set by the
test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit import update_world
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run, stories
from testkit.forge_world import PROMOTION
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.surfaces import declared

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STAGING = "overlays/staging/kustomization.yaml"
HELD = "production:\n  example/app: load test running\n"


@pytest.fixture
def argocd(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArgoCD]:
    with FakeArgoCD() as argo:
        monkeypatch.setenv("ARGOCD_AUTH_TOKEN", argo.token)
        yield argo


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    argocd: FakeArgoCD,
) -> Iterator[Story]:
    """The update example on ``request.param``, production promoted from staging."""
    for told in stories(request.param, tmp_path, registry, monkeypatch):
        _gated(told, argocd)
        yield told


def _gated(told: Story, argocd: FakeArgoCD) -> None:
    """``told`` with production (GitHub's example has none: one is added, as on GitLab) and
    staging gated by Argo CD's app-staging, Healthy, running what it declares."""
    if "promote_from: staging" not in told.show("gitops-bot.yaml"):
        overlay = told.show(STAGING)
        told.commit(
            {
                "overlays/production/kustomization.yaml": lambda _: overlay,
                "gitops-bot.yaml": lambda text: text.replace("pull_request:", PROMOTION + "pull_request:", 1),
            }
        )
    argocd.apps["app-staging"] = application("app-staging", declared(told.show(STAGING)))
    gate = "  - name: staging\n    argocd_application: app-staging\n"
    told.commit(
        {
            "gitops-bot.yaml": lambda text: (
                text.replace("  - name: staging\n", gate, 1) + f"argocd:\n  server: {argocd.url}\n"
            )
        }
    )


def _production(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "production"]


def _promotion(story: Story) -> dict[str, Any]:
    (pr,) = [p for p in story.open_requests() if p["head"] == "gitops-bot/promotion/production"]
    return pr


def test_a_mark_whose_reason_changed_says_the_new_reason_alone(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    run(capsys, story, NOW, "update", "--env", "staging")
    (release,) = story.open_requests()
    story.merge(release["number"])
    images = declared(story.show(STAGING))
    argocd.apps["app-staging"] = application("app-staging", images)
    run(capsys, story, NOW, "promote", "staging", "production")
    mine = _promotion(story)

    argocd.apps["app-staging"] = application("app-staging", images, health="Degraded")
    run(capsys, story, NOW, "update", "--env", "production")
    marked = _promotion(story)
    assert marked["body"].count(STALE_MARK) == 1 and "Degraded" in shown(marked["body"])

    # staging recovers, and a person holds production's image: the mark says the hold alone
    argocd.apps["app-staging"] = application("app-staging", images)
    story.commit({"gitops-bot.holds.yaml": lambda _: HELD})
    dry = _production(run(capsys, story, NOW, "update", "--env", "production", "--dry-run"))
    said = [w for r in dry for w in r["warnings"]]
    assert any(w.startswith(f"would mark {_noun(story)} #{mine['number']}: ") for w in said), said
    (step,) = [r["next_step"] for r in dry if r.get("next_step")]
    assert step["action"] == "update" and step["body"].count(STALE_MARK) == 1
    assert _promotion(story) == marked  # the dry run wrote nothing

    done = _production(run(capsys, story, NOW, "update", "--env", "production"))
    assert [r["next_step"] for r in done if r.get("next_step")] == [step]
    remarked = _promotion(story)
    assert remarked["number"] == mine["number"] and remarked["body"].count(STALE_MARK) == 1
    assert "load test running" in shown(remarked["body"]) and "Degraded" not in shown(remarked["body"])
    assert remarked["body"].split(STALE_MARK)[0] == marked["body"].split(STALE_MARK)[0]

    again = _production(run(capsys, story, NOW, "update", "--env", "production"))
    assert all(r["action"] == "unchanged" for r in again), again
    assert _promotion(story) == remarked
    assert story.unexpected() == []


def _noun(story: Story) -> str:
    """The forge's word for a change request, as the run says it."""
    return "pull request" if isinstance(story.world, update_world.World) else "merge request"
