"""A person's rollback pull request follows the decision the chain makes for a person's
rollback, and no other: staging goes Degraded, a person runs ``gitops-bot rollback staging``
before ``auto_rollback``'s grace is over; staging recovers, and the next ``update`` leaves the
pull request as it is (not marked "no longer failing": that is the automatic rollback's
premise, and the chain judges a person's rollback by the freeze alone, see
test_rollback_follows_freeze.py), its auto-merge requested whatever the window (a rollback is
a safety action). Staging fails again: still nothing said of it. Still failing past the grace,
the automatic rollback takes the pull request over in place. Each run's dry run first; a
second run changes nothing.

The update example on GitHub and on GitLab: the real registry and git remote, each forge's
spec-held fake and Argo CD's, the bot's clock set by the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit import update_world
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run, stories
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.soak_clock import rfc3339, start
from testkit.surfaces import declared

ROLLBACK = "gitops-bot/rollback/staging"
# staging's window never opens: a rollback, a safety action, waits for none
GATED = """    argocd_application: app-staging
    auto_rollback: {after: 10m}
    windows: {timezone: UTC, deny: [{days: [mon, tue, wed, thu, fri, sat, sun]}]}
"""


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
    """The update example on ``request.param``, staging gated by Argo CD's app-staging and
    rolled back on its own after ten minutes failing."""
    for told in stories(request.param, tmp_path, registry, monkeypatch):
        argocd.apps["app-staging"] = application(
            "app-staging", declared(told.show("overlays/staging/kustomization.yaml"))
        )
        told.commit(
            {
                "gitops-bot.yaml": lambda text: (
                    text.replace("  - name: staging\n", f"  - name: staging\n{GATED}", 1)
                    + f"argocd:\n  server: {argocd.url}\n"
                )
            }
        )
        yield told


def _staging(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "staging"]


def _warnings(results: list[dict[str, Any]]) -> list[str]:
    return [w for r in results for w in r["warnings"]]


def _steps(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["next_step"] for r in results if r.get("next_step")]


def _rollback(story: Story) -> dict[str, Any]:
    (pr,) = [p for p in story.open_requests() if p["head"] == ROLLBACK]
    return pr


def test_a_persons_rollback_is_not_marked_when_staging_recovers_and_the_rule_takes_it_over(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    t0 = start()
    run(capsys, story, t0, "update", "--env", "staging")
    (release,) = story.open_requests()
    story.merge(release["number"])
    images = declared(story.show("overlays/staging/kustomization.yaml"))

    def staging(health: str, since: timedelta) -> None:
        argocd.apps["app-staging"] = application(
            "app-staging",
            images,
            health=health,
            health_since=rfc3339(t0 + since),
            finished=rfc3339(t0 + timedelta(minutes=1)),
        )

    # staging fails after the release; a person rolls it back before the rule would
    staging("Degraded", timedelta(minutes=2))
    run(capsys, story, t0 + timedelta(minutes=4), "rollback", "staging")
    mine = _rollback(story)
    assert STALE_MARK not in mine["body"] and mine["auto_merge"] == "squash"

    # staging recovers: the chain judges a person's rollback by the freeze alone, and holds
    # nothing against it; "no longer failing" is the automatic rollback's premise, not theirs.
    # Neither the dry run nor the run marks it, and its auto-merge stays requested
    staging("Healthy", timedelta(minutes=6))
    at = t0 + timedelta(minutes=7)
    for args in (("--dry-run",), (), ()):
        out = _staging(run(capsys, story, at, "update", "--env", "staging", *args))
        assert not any("mark" in w for w in _warnings(out)), out
        assert _rollback(story) == mine

    # staging fails again, within the grace: still nothing to say of the person's rollback
    staging("Degraded", timedelta(minutes=8))
    at = t0 + timedelta(minutes=10)
    for args in (("--dry-run",), ()):
        out = _staging(run(capsys, story, at, "update", "--env", "staging", *args))
        assert not any("mark" in w for w in _warnings(out)), out
        assert _rollback(story) == mine

    # still failing past the grace: the automatic rollback is due, on the same branch; it
    # takes the pull request over in place, its own body saying why it is open
    late = _staging(run(capsys, story, t0 + timedelta(minutes=19), "update", "--env", "staging"))
    assert [r["kind"] for r in late if r["action"] == "pull_request"] == ["rollback"]
    taken = _rollback(story)
    assert taken["number"] == mine["number"] and STALE_MARK not in taken["body"]
    assert taken["auto_merge"] == "squash"  # a rollback waits for no window
    assert "Rolled back automatically: release " in shown(taken["body"])
    assert story.unexpected() == []


def _noun(story: Story) -> str:
    """The forge's word for a change request, as the run says it."""
    return "pull request" if isinstance(story.world, update_world.World) else "merge request"
