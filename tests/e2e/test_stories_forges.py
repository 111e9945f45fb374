"""The same story on GitLab and Gitea: a release by merge request, its promotion gated on
Argo CD, a red gate, a freeze and a hold, with plan, status, the page and the dashboard held to
one decision after every step (:func:`testkit.surfaces.surfaces`) and to the forge's open
change requests. Over the real registry and git remote, each forge's spec-held fake and the
Argo CD fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_world import World, make_world
from testkit.promotion_world import add_files
from testkit.registry_process import RegistryProcess
from testkit.surfaces import Key, act, declared
from testkit.surfaces import surfaces as check

APP = "example/app"
STAGING = "overlays/staging/kustomization.yaml"


@pytest.fixture(params=["gitlab", "gitea"])
def story(
    request: pytest.FixtureRequest, tmp_path: Any, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, FakeArgoCD]]:
    with FakeArgoCD() as argo:
        monkeypatch.setenv("ARGOCD_AUTH_TOKEN", argo.token)
        for world in make_world(tmp_path, registry, monkeypatch, request.param, "environment"):
            anchor = "  - name: staging\n    path: overlays/staging\n"
            add_files(
                world, {}, ("gitops-bot.yaml", anchor, anchor + "    argocd_application: app-staging\n")
            )
            add_files(
                world,
                {},
                ("gitops-bot.yaml", "pull_request:\n", f"argocd:\n  server: {argo.url}\npull_request:\n"),
            )
            yield world, argo


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [v["number"] for v in world.forge.open_views()])


def merge_only(world: World) -> None:
    (view,) = world.forge.open_views()
    world.forge.merge(view["number"])


def test_a_release_its_gated_promotion_a_freeze_and_a_hold_read_the_same_everywhere(
    story: tuple[World, FakeArgoCD], capsys: pytest.CaptureFixture[str]
) -> None:
    world, argo = story

    def staging_runs(health: str = "Healthy") -> None:
        argo.apps["app-staging"] = application("app-staging", declared(world.show("main")), health=health)

    staging_runs()
    world.push("app", "1.1.0")
    assert act(surfaces(world, capsys)[("staging", APP)]) == ("propose", "policy")

    world.run(capsys, "update", "--env", "staging")
    s = surfaces(world, capsys)  # the merge request is open, on staging's rows
    assert act(s[("staging", APP)]) == ("propose", "policy")
    merge_only(world)
    staging_runs()
    s = surfaces(world, capsys)
    assert act(s[("staging", APP)]) == ("up_to_date", "policy"), s[("staging", APP)]
    promote = s[("production", APP)]
    assert act(promote) == ("promote", "promotion")
    assert "run 'gitops-bot promote staging production'" in promote["reason"]

    staging_runs("Degraded")
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("blocked", "gate")
    assert act(s[("staging", APP)]) == ("up_to_date", "gate")

    staging_runs()
    world.run(capsys, "freeze", "production", "--until", "2d", "--reason", "audit")
    surfaces(world, capsys)
    merge_only(world)
    s = surfaces(world, capsys)
    assert act(s[("production", APP)]) == ("blocked", "freeze")
    assert s[("production", APP)]["evidence"]["reason"] == "audit"

    world.push("app", "1.2.0")
    world.run(capsys, "hold", "staging", APP, "--reason", "incident 9")
    merge_only(world)
    s = surfaces(world, capsys)
    held = s[("staging", APP)]
    assert act(held) == ("blocked", "hold") and "incident 9" in held["reason"]
    world.run(capsys, "update", "--env", "staging")
    assert world.forge.open_views() == []  # the held image is not proposed
