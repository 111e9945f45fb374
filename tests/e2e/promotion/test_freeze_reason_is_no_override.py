"""What a person overrode is read from the bot's own record in the pull request, never from
text the body quotes.

A freeze's reason is a person's free text, and the mark the bot writes on a pull request the
freeze holds back quotes it. A freeze whose reason says "freeze overridden" (or "gate
overridden") must not read, on the next run, as the person's ``--force --reason``:

- a person's rollback of staging (Argo CD gating staging, ``auto_rollback`` configured, the
  application Healthy), then a freeze of staging with such a reason: four ``update`` runs inside
  the freeze, and after each the pull request is marked, once, with its auto-merge off (the
  forge must not merge it inside the freeze);
- the same for a person's promotion of staging to production and a freeze of production;
- the person then decides on the freeze (``--force --reason``): that override is still read,
  the mark goes, auto-merge is requested again, and the runs after leave it so.

The update example on GitHub and on GitLab: the real registry and git remote, each forge's
spec-held fake and Argo CD's, the bot's clock set by the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.release.next_step import STALE_MARK
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run, stories
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.soak_clock import rfc3339, start
from testkit.surfaces import declared

ROLLBACK = "gitops-bot/rollback/staging"
PROMOTION = "gitops-bot/promotion/production"
# staging's window never opens: a rollback, a safety action, waits for none
GATED = """    argocd_application: app-staging
    auto_rollback: {after: 10m}
    windows: {timezone: UTC, deny: [{days: [mon, tue, wed, thu, fri, sat, sun]}]}
"""
PRODUCTION = """  - name: production
    path: overlays/production
    promote_from: staging
"""
# a freeze's reason naming both overrides the bot once searched the whole body for
WHY = "release audit: no deploys unless freeze overridden by SRE (gate overridden too)"


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


@pytest.fixture(params=["github", "gitlab"])
def promoting(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param`` with production promoted from staging (no
    automatic rule, no Argo CD): GitLab's example has it, GitHub's is given it here."""
    for told in stories(request.param, tmp_path, registry, monkeypatch):
        if "promote_from: staging" not in told.show("gitops-bot.yaml"):
            staging = told.show("overlays/staging/kustomization.yaml")
            told.commit(
                {
                    "overlays/production/kustomization.yaml": lambda _, text=staging: text + "\n",
                    "gitops-bot.yaml": lambda text: text.replace(
                        "pull_request:\n", PRODUCTION + "pull_request:\n", 1
                    ),
                }
            )
        yield told


def _results(out: dict[str, Any], env: str) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == env]


def _warnings(results: list[dict[str, Any]]) -> list[str]:
    return [w for r in results for w in r["warnings"]]


def _open(story: Story, head: str) -> dict[str, Any]:
    (pr,) = [p for p in story.open_requests() if p["head"] == head]
    return pr


def _released(story: Story, capsys: pytest.CaptureFixture[str], t0: datetime) -> list[str]:
    """1.1.0 released to staging by the bot (so there is a release to roll back from, and
    one to promote)."""
    story.push("app", "1.1.0")
    run(capsys, story, t0, "update", "--env", "staging")
    (release,) = story.open_requests()
    story.merge(release["number"])
    return declared(story.show("overlays/staging/kustomization.yaml"))


def _freeze(story: Story, capsys: pytest.CaptureFixture[str], env: str, when: datetime, until: str) -> None:
    """A freeze of ``env`` whose reason names the overrides, merged (the freeze is the files
    on main)."""
    run(capsys, story, when, "freeze", env, "--until", until, "--reason", WHY)
    (pr,) = [r for r in story.open_requests() if r["head"] == f"gitops-bot/freeze/{env}"]
    story.merge(pr["number"])


def _stays_marked(
    story: Story, capsys: pytest.CaptureFixture[str], env: str, head: str, at: datetime
) -> dict[str, Any]:
    """Four ``update`` runs inside the freeze: after each the pull request on ``head`` is
    marked once, quoting the freeze's reason, with auto-merge off; the first run marks it and
    the others change nothing."""
    seen = []
    for i in range(4):
        done = _results(run(capsys, story, at + timedelta(minutes=i), "update", "--env", env), env)
        pr = _open(story, head)
        said = _warnings(done)
        assert pr["body"].count(STALE_MARK) == 1, (i, pr["body"])
        assert "freeze overridden by SRE" in shown(pr["body"]), pr["body"]
        assert pr["auto_merge"] is None, (i, said)
        assert not any("the mark is lifted" in w for w in said), (i, said)
        seen.append(pr)
    assert seen[1:] == seen[:-1][:1] * 3, "the runs after the first change nothing"
    return seen[-1]


def _decided(
    story: Story, capsys: pytest.CaptureFixture[str], env: str, head: str, at: datetime, *forced: str
) -> None:
    """The person decides on the freeze (``forced``: the command with ``--force --reason``):
    the override is read by every run after, which leave the pull request unmarked with
    auto-merge requested."""
    run(capsys, story, at, *forced)
    decided = _open(story, head)
    assert STALE_MARK not in decided["body"] and decided["auto_merge"] == "squash"
    for i in range(2):
        out = _results(run(capsys, story, at + timedelta(minutes=i), "update", "--env", env), env)
        assert not any("mark" in w for w in _warnings(out)), out
        assert _open(story, head) == decided


def test_a_freeze_reason_naming_the_override_keeps_a_persons_rollback_marked(
    story: Story, argocd: FakeArgoCD, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = start()
    images = _released(story, capsys, t0)
    argocd.apps["app-staging"] = application(
        "app-staging", images, health="Healthy", finished=rfc3339(t0 + timedelta(minutes=1))
    )
    run(capsys, story, t0 + timedelta(minutes=3), "rollback", "staging")
    mine = _open(story, ROLLBACK)
    assert mine["auto_merge"] == "squash"
    _freeze(story, capsys, "staging", t0 + timedelta(minutes=6), rfc3339(t0 + timedelta(days=2)))

    marked = _stays_marked(story, capsys, "staging", ROLLBACK, t0 + timedelta(minutes=7))
    assert marked["number"] == mine["number"]

    why = ("rollback", "staging", "--force", "--reason", "the outage outweighs it")
    _decided(story, capsys, "staging", ROLLBACK, t0 + timedelta(minutes=20), *why)
    assert story.unexpected() == []


def test_a_freeze_reason_naming_the_override_keeps_a_persons_promotion_marked(
    promoting: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story, t0 = promoting, start()
    _released(story, capsys, t0)
    run(capsys, story, t0 + timedelta(minutes=1), "promote", "staging", "production")
    mine = _open(story, PROMOTION)
    assert mine["auto_merge"] == "squash"
    _freeze(story, capsys, "production", t0 + timedelta(minutes=2), rfc3339(t0 + timedelta(days=2)))

    marked = _stays_marked(story, capsys, "production", PROMOTION, t0 + timedelta(minutes=3))
    assert marked["number"] == mine["number"]

    why = ("promote", "staging", "production", "--force", "--reason", "the fix must ship")
    _decided(story, capsys, "production", PROMOTION, t0 + timedelta(minutes=20), *why)
    assert story.unexpected() == []
