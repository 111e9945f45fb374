"""The forge's checks and a web request as gates of a promotion, crossed with the rest: staging
is released by the bot, then production waits on the checks CI reports on staging's release
commit (over the spec-held GitHub API) and on a change-approval service (a loopback endpoint),
in every surface as one decision; ``promote`` refuses while either says no and takes a
``--force --reason`` override into its pull request; an automatic promotion after the soak
waits for them too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.jsonapi import JSONServer
from testkit.promotion_world import World, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, start
from testkit.surfaces import Key, act
from testkit.surfaces import surfaces as check
from testkit.update_world import git

APP = "example/app"


class ChangeService(JSONServer):
    """A change-management endpoint: GET /changes/current answers ``state``; it wants the token."""

    token = "change-token-5e2f"

    def __init__(self) -> None:
        self.state = "pending"
        self.asked: list[dict[str, str]] = []
        self._serve(self._handle)

    def _handle(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        self.asked.append(headers)
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "no token"}, {}
        if method != "GET" or not path.startswith("/changes/current"):
            return 404, {"error": "no such change"}, {}
        return 200, {"change": "CHG-1042", "state": self.state, "approvers": ["ops"]}, {}


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def release_commit(world: World, env: str) -> str:
    return git(world.remote, "log", "-1", "--format=%H", "main", "--", f"overlays/{env}")


@pytest.fixture
def change(monkeypatch: pytest.MonkeyPatch) -> Any:
    with ChangeService() as service:
        monkeypatch.setenv("CHANGE_TOKEN", ChangeService.token)
        yield service


def gated(world: World, change: ChangeService) -> None:
    configure(
        world,
        "staging",
        "    gates:\n"
        "      checks: {require: [smoke-test]}\n"
        "      web:\n"
        f"        - {{name: change-approved, url: '{change.url}/changes/current?service=app',"
        " token_env: CHANGE_TOKEN, pointer: /state, equals: approved}\n",
    )


def test_production_waits_for_the_checks_on_stagings_release_and_the_change_approval(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, change: ChangeService
) -> None:
    gated(world, change)
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    sha = release_commit(world, "staging")

    # Nothing reported on staging's release commit yet: production is blocked by the checks.
    s = surfaces(world, capsys)
    d = s[("production", APP)]
    assert act(d) == ("blocked", "checks")
    assert d["reason"] == (
        f"staging's checks gate commit (smoke-test on {sha[:12]}) has no answer yet: not reported yet: smoke-test"
    )
    refused = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert "staging's checks gate commit" in refused and "--force --reason" in refused

    # The smoke test fails on that commit: still blocked, now saying so.
    world.github.check_runs[sha] = [("smoke-test", "completed", "failure"), ("lint", "completed", "success")]
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("blocked", "checks") and d["reason"].endswith("fails: failing: smoke-test (failure)")

    # Green: the change is not approved yet, so the web gate holds it.
    world.github.check_runs[sha] = [("smoke-test", "completed", "success")]
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("blocked", "web")
    assert d["evidence"]["value"] == "pending" and d["evidence"]["condition"] == "/state == approved"
    assert all(h.get("Authorization") == f"Bearer {change.token}" for h in change.asked)
    assert change.token not in str(d)

    # A person overrides, with a reason: the pull request says what was overridden and why.
    run(capsys, world, "promote", "staging", "production", "--force", "--reason", "CAB approved by phone")
    (pr,) = world.github.open_pulls()
    assert "web gate overridden" in pr["body"] and "CAB approved by phone" in pr["body"]

    # Approved: production may be promoted, and every surface says so.
    change.state = "approved"
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("promote", "promotion")


def test_an_automatic_promotion_after_the_soak_waits_for_the_checks(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, change: ChangeService
) -> None:
    gated(world, change)
    change.state = "approved"
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    images = running(world, "staging")
    t0 = start()
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        images,
        health_since=rfc3339(t0 + timedelta(minutes=1)),
        finished=rfc3339(t0),
        deployed=(rfc3339(t0),),
        reconciled=rfc3339(t0 + timedelta(minutes=90)),
    )
    sha = release_commit(world, "staging")
    world.github.check_runs[sha] = [("smoke-test", "in_progress", None)]

    # Soaked, but the smoke test has not finished: no promotion opens, and every surface agrees.
    at(monkeypatch, t0 + timedelta(minutes=90))
    d = surfaces(world, capsys)[("production", APP)]
    assert act(d) == ("blocked", "checks") and "not finished: smoke-test (in_progress)" in d["reason"]
    out = run(capsys, world, "update", "--env", "production")
    assert not any(r["action"] == "pull_request" for r in out["results"])
    assert world.github.open_pulls() == []

    # It passes: the next run opens the automatic promotion.
    world.github.check_runs[sha] = [("smoke-test", "completed", "success")]
    assert act(surfaces(world, capsys)[("production", APP)]) == ("propose", "soak")
    run(capsys, world, "update", "--env", "production")
    (pr,) = world.github.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/promotion/production"
