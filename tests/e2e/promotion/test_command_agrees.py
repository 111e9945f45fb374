"""What ``plan`` and ``explain`` say of a release is what the command then does, rule by rule,
on GitHub and on Gitea: a freeze, a closed window, a hold, a red gate, a gate that cannot be
read (``promote`` refuses or proceeds with the same rule, reason and "until"), a soak and
``min_age`` (``update`` waits until the instant the plan names, and opens it then).

The update example with production promoted from staging, over the real registry and git
remote and each forge's spec-held fake, the bot's clock set by the test."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, stories
from testkit.jsonapi import JSONServer
from testkit.marked_story import with_production
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.soak_clock import rfc3339, start
from testkit.surfaces import declared

APP = "example/app"
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the images were built 2026-01-01
MONDAY = "2026-11-30T00:00:00Z"
UNTIL = "2026-12-28T00:00:00Z"


class Approval(JSONServer):
    """A change-approval endpoint: GET /change answers ``state``."""

    def __init__(self) -> None:
        self.state = "pending"
        self._serve(lambda method, path, body, headers: (200, {"state": self.state}, {}))


@pytest.fixture(params=["github", "gitea"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param``, production promoted from staging, and staging
    running app 1.1.0 (merged by a person) while production runs 1.0.0."""
    for told in stories(request.param, tmp_path, registry, monkeypatch):
        with_production(told)
        told.push("app", "1.1.0")
        bot(told, FRIDAY, "update", "--env", "staging")
        (opened,) = told.open_requests()
        told.merge(opened["number"])
        yield told


def bot(story: Story, when: datetime, *argv: str, code: int = 0) -> Any:
    """``gitops-bot ARGV`` at ``when``: its JSON document (exit 0), else its one error line."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        capture = _capture.get()
        rc = main([*argv, "--repo", f"file://{story.remote}", "--output", "json"])
        out, err = capture.readouterr()
    assert rc == code, err
    if code:
        assert len(err.strip().splitlines()) == 1, err  # one line, no traceback
        return err.strip()
    return json.loads(out)


class _Capture:
    fixture: pytest.CaptureFixture[str] | None = None

    def get(self) -> pytest.CaptureFixture[str]:
        assert self.fixture is not None
        return self.fixture


_capture = _Capture()


@pytest.fixture(autouse=True)
def _captured(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    _capture.fixture = capsys
    yield
    _capture.fixture = None


def said(story: Story, when: datetime, environment: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``environment``'s decision for app as ``plan`` and as ``explain`` print it, checked
    to be one."""
    checkout = story.checkout()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        assert main(["plan", "--repo", str(checkout), "--output", "json"]) == 0
        plan = json.loads(_capture.get().readouterr().out)
        assert main(["explain", environment, APP, "--repo", str(checkout), "--output", "json"]) == 0
        explain = json.loads(_capture.get().readouterr().out)
    (planned,) = [
        i["decision"]
        for e in plan["environments"]
        if e["name"] == environment
        for i in e["images"]
        if i["image"] == APP
    ]
    (explained,) = [i for i in explain["images"] if i["image"] == APP]
    assert explained["decision"] == planned
    (deciding,) = [s for s in explained["chain"] if s["decides"]]
    return planned, deciding


def configure(story: Story, environment: str, lines: str) -> None:
    """``lines`` added under ``environment``'s entry in gitops-bot.yaml (a person's commit)."""
    story.commit(
        {
            "gitops-bot.yaml": lambda text: text.replace(
                f"  - name: {environment}\n", f"  - name: {environment}\n{lines}", 1
            )
        }
    )


def refused(story: Story, when: datetime, decision: dict[str, Any]) -> str:
    """``promote staging production`` refused (exit 4), saying the plan's reason."""
    err = str(bot(story, when, "promote", "staging", "production", code=4))
    assert f"refused: {decision['reason']}" in err, (err, decision)
    assert story.open_requests() == []  # nothing changed
    return err


def test_a_freeze(story: Story) -> None:
    frozen = "gitops-bot.freezes/production.yaml"
    story.commit({frozen: lambda _: f"production:\n  until: {UNTIL}\n  reason: year-end freeze\n"})
    decision, step = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"], decision["until"]) == ("blocked", "freeze", UNTIL)
    assert step["rule"] == "freeze" and step["reason"] == decision["reason"]
    assert "wait, run 'gitops-bot unfreeze production'" in refused(story, FRIDAY, decision)

    # overridden with a reason: the chain says so, and the pull request states it as it did
    bot(story, FRIDAY, "promote", "staging", "production", "--force", "--reason", "hotfix for checkout")
    (pr,) = story.open_requests()
    assert f"freeze overridden (production is frozen until {UNTIL}: year-end freeze): hotfix" in shown(
        pr["body"]
    )


def test_a_closed_window(story: Story) -> None:
    configure(
        story,
        "production",
        "    windows: {timezone: UTC, deny: [{days: [fri], from: '12:00'}, {days: [sat, sun]}]}\n",
    )
    decision, step = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"], decision["until"]) == ("promote", "window", MONDAY)
    assert step["rule"] == "window" and step["until"] == MONDAY
    done = bot(story, FRIDAY, "promote", "staging", "production")
    (result,) = [r for r in done["results"] if r["environment"] == "production"]
    assert result["next_step"]["auto_merge_withheld"] == "window"
    (pr,) = story.open_requests()
    assert pr["auto_merge"] is None and "until Mon 2026-11-30 00:00 UTC" in pr["body"]


def test_a_hold(story: Story) -> None:
    story.commit({"gitops-bot.holds.yaml": lambda _: "production:\n  example/app: load test running\n"})
    decision, step = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"]) == ("blocked", "hold")
    assert "load test running" in decision["reason"] and step["rule"] in ("hold", "promotion.hold")
    err = bot(story, FRIDAY, "promote", "staging", "production", code=4)
    assert "refused: production holds example/app (load test running)" in err and "unhold" in err
    assert story.open_requests() == []


@pytest.fixture
def approval() -> Iterator[Approval]:
    with Approval() as service:
        yield service


def test_a_red_gate(story: Story, approval: Approval) -> None:
    gate = f"{{name: change-approved, url: '{approval.url}/change', pointer: /state, equals: approved}}"
    configure(story, "staging", f"    gates:\n      web:\n        - {gate}\n")
    decision, step = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"]) == ("blocked", "web")
    assert step["rule"] == "promotion.web" and step["reason"] == decision["reason"]
    assert "--force --reason" in refused(story, FRIDAY, decision)

    approval.state = "approved"  # green: every surface says promote, and the command promotes
    decision, _ = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"]) == ("promote", "promotion")
    bot(story, FRIDAY, "promote", "staging", "production")
    assert len(story.open_requests()) == 1


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# the rule, reason and "until" a gate nobody answers gives, not its back-off: the same attempts,
# 1/100 of the waits
@pytest.mark.usefixtures("quick_gate_retries")
def test_a_gate_that_cannot_be_read(story: Story) -> None:
    gate = f"{{name: change-approved, url: 'http://127.0.0.1:{closed_port()}/change', pointer: /state, equals: approved}}"
    configure(story, "staging", f"    gates:\n      web:\n        - {gate}\n")
    decision, step = said(story, FRIDAY, "production")
    assert (decision["action"], decision["rule"]) == ("unknown", "web")
    assert step["reason"] == decision["reason"]
    refused(story, FRIDAY, decision)


def test_min_age(story: Story) -> None:
    """dev commits its releases; the images were built 2026-01-01T00:00:00Z."""
    configure(story, "dev", "    min_age: 1h\n")
    story.push("app", "1.2.0")
    early = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    decision, step = said(story, early, "dev")
    assert (decision["action"], decision["rule"], decision["until"]) == (
        "wait",
        "min_age",
        "2026-01-01T01:00:00Z",
    )
    assert step["rule"] == "min_age"
    before = story.show("overlays/dev/kustomization.yaml")
    bot(story, early, "update", "--env", "dev")
    assert story.show("overlays/dev/kustomization.yaml") == before  # it waits, as said

    on_time = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    decision, _ = said(story, on_time, "dev")
    assert (decision["action"], decision["rule"]) == ("propose", "policy")
    bot(story, on_time, "update", "--env", "dev")
    assert "1.2.0" in story.show("overlays/dev/kustomization.yaml")


def test_a_soak(story: Story, argocd: FakeArgoCD) -> None:
    """production promotes itself an hour after staging is Healthy and Synced (Argo CD's
    record); ``update`` is the command that acts on it."""
    configure(story, "staging", "    argocd_application: app-staging\n")
    configure(story, "production", "    auto_promote: {from: staging, after: 1h}\n")
    story.commit({"gitops-bot.yaml": lambda text: text + f"argocd:\n  server: {argocd.url}\n"})
    t0 = start()

    def staging(reconciled: int) -> None:
        argocd.apps["app-staging"] = application(
            "app-staging",
            declared(story.show("overlays/staging/kustomization.yaml")),
            health_since=rfc3339(t0 + timedelta(minutes=1)),
            finished=rfc3339(t0),
            deployed=(rfc3339(t0),),
            reconciled=rfc3339(t0 + timedelta(minutes=reconciled)),
        )

    staging(reconciled=30)
    half = t0 + timedelta(minutes=30)
    decision, step = said(story, half, "production")
    soaked = rfc3339(t0 + timedelta(minutes=61))
    assert (decision["action"], decision["rule"], decision["until"]) == ("wait", "soak", soaked)
    assert step["rule"] == "promotion.soak" and step["until"] == soaked
    out = bot(story, half, "update", "--env", "production")
    (waits,) = [w for r in out["results"] if r["environment"] == "production" for w in r["warnings"]]
    assert soaked in waits and story.open_requests() == []  # it waits, until then, as said

    staging(reconciled=75)
    later = t0 + timedelta(minutes=75)
    decision, _ = said(story, later, "production")
    assert (decision["action"], decision["rule"]) == ("propose", "soak")
    bot(story, later, "update", "--env", "production")
    (opened,) = story.open_requests()
    assert "promot" in opened["head"]
