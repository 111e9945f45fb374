"""The metrics gate end to end, judged by a real Prometheus: the promotion example (a real
registry and git remote, the spec-held GitHub and Argo CD servers) with staging's error rate
scraped every second from a loopback exporter the test sets.

Time is real here (Prometheus records it as it passes), so soaks last seconds; before each
reading the bot's clock is pinned to an instant just past (:func:`pinned`), so plan, status,
the page and the dashboard (:func:`testkit.surfaces.surfaces`) judge one reading of one
instant, as one run does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from testkit.argocd_server import application
from testkit.markup import shown
from testkit.prometheus import PrometheusProcess
from testkit.promotion_world import World, add_files, run
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, running, staging_deployed
from testkit.surfaces import Key, act
from testkit.surfaces import surfaces as check

APP = "example/app"


@dataclass
class Metrics:
    """Staging's error rate, as the exporter serves it and Prometheus scrapes it."""

    prom: PrometheusProcess
    service: str

    @property
    def query(self) -> str:
        return f'app_error_rate{{service="{self.service}"}}'

    def set(self, value: float) -> datetime:
        """The error rate is ``value`` from now; returns when Prometheus scraped it, once the
        instant :func:`pinned` gives is past it."""
        self.prom.exporter.set(self.service, value)
        scraped = self.prom.wait_for(self.query, value)
        time.sleep(2.5)  # pinned() goes back up to 2.2 s
        return scraped


@pytest.fixture
def metrics(world: World, prom: PrometheusProcess) -> Iterator[Metrics]:
    """Staging gated on its error rate staying under 5%, read at every second of a soak."""
    m = Metrics(prom, f"staging-{uuid.uuid4().hex[:8]}")
    m.set(0.0)
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", f"metrics:\n  url: {prom.url}\nargocd:\n"))
    gate = f"""    gates:
      metrics:
        - {{name: error-rate, query: '{m.query}', condition: "< 0.05", step: 1s}}
"""
    configure(world, "staging", gate)
    yield m


def pinned(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The bot's clock at a whole second just past, whose samples Prometheus has scraped."""
    when = (datetime.now(UTC) - timedelta(seconds=1.2)).replace(microsecond=0)
    at(monkeypatch, when)
    return when


def until(when: datetime) -> None:
    """Sleep until real time is past ``when`` (and its samples scraped)."""
    time.sleep(max((when - datetime.now(UTC)).total_seconds() + 1.5, 0))


def surfaces(world: World, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    return check(world.remote, world.tmp, capsys, [p["number"] for p in world.github.open_pulls()])


def auto_promoting(world: World, capsys: pytest.CaptureFixture[str]) -> datetime:
    """Production promotes from staging on its own after a 6 s soak; app 1.1.0 has just
    reached staging. Returns the whole second the soak starts at (Argo CD's deployment)."""
    configure(world, "production", "    auto_promote: {from: staging, after: 6s}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    time.sleep(1.0)  # the deployment follows the merge's commit (whole seconds in git)
    return datetime.now(UTC).replace(microsecond=0)


def test_a_soak_whose_metrics_gate_holds_all_along_promotes(
    world: World, metrics: Metrics, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t0 = auto_promoting(world, capsys)
    until(t0 + timedelta(seconds=2))
    now = pinned(monkeypatch)
    staging_deployed(world, t0, now)
    waiting = surfaces(world, capsys)[("production", APP)]
    assert act(waiting) == ("wait", "soak")
    assert waiting["until"] == rfc3339(t0 + timedelta(seconds=6))
    assert (
        f"metrics gate error-rate ({metrics.query}) holds since {rfc3339(t0)}"
        in waiting["evidence"]["metrics"]
    )

    until(t0 + timedelta(seconds=7))
    now = pinned(monkeypatch)
    staging_deployed(world, t0, now)
    assert act(surfaces(world, capsys)[("production", APP)]) == ("propose", "soak")
    opened = [r for r in run(capsys, world, "update", "--env", "production")["results"]]
    assert [(r["action"], r["kind"]) for r in opened] == [("pull_request", "promotion")]
    (pr,) = world.github.open_pulls()
    assert (
        f"staging has run these digests, Healthy and Synced, metrics gate error-rate "
        f"(`{metrics.query} < 0.05`) holding, since {rfc3339(t0)}" in pr["body"]  # the query as code
    )


def test_a_spike_in_the_error_rate_during_the_soak_restarts_it_and_status_shows_the_verdict(
    world: World, metrics: Metrics, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t0 = auto_promoting(world, capsys)
    until(t0 + timedelta(seconds=1))
    metrics.set(0.3)

    # Failing now: production is blocked by it, on every surface, with its verdict.
    now = pinned(monkeypatch)
    staging_deployed(world, t0, now)
    blocked = surfaces(world, capsys)[("production", APP)]
    assert act(blocked) == ("blocked", "metrics"), blocked
    assert blocked["reason"].startswith(f"staging's metrics gate error-rate ({metrics.query}) fails since ")
    assert blocked["reason"].endswith(" 0.3, not < 0.05")
    evidence = blocked["evidence"]
    assert (evidence["gate"], evidence["query"], evidence["value"], evidence["condition"]) == (
        "error-rate",
        metrics.query,
        "0.3",
        "< 0.05",
    )
    assert t0 < datetime.fromisoformat(evidence["since"]) <= now

    # Recovered: the soak starts again after the spike, not at the deployment.
    recovered = metrics.set(0.0)
    until(t0 + timedelta(seconds=7))  # the first soak would have ended by now
    now = pinned(monkeypatch)
    staging_deployed(world, t0, now)
    restarted = surfaces(world, capsys)[("production", APP)]
    assert act(restarted) == ("wait", "soak")
    since = datetime.fromisoformat(restarted["evidence"]["since"])
    assert t0 + timedelta(seconds=1) < since <= recovered + timedelta(seconds=1), (t0, since, recovered)
    assert restarted["until"] == rfc3339(since + timedelta(seconds=6))
    assert run(capsys, world, "update", "--env", "production")["results"][0]["action"] == "unchanged"
    assert world.github.open_pulls() == []

    until(since + timedelta(seconds=6))
    now = pinned(monkeypatch)
    staging_deployed(world, t0, now)
    assert act(surfaces(world, capsys)[("production", APP)]) == ("propose", "soak")


def _staging(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["results"] if r["environment"] == "staging"]


def test_a_failing_metrics_gate_after_a_release_rolls_back_exactly_once(
    world: World, metrics: Metrics, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "staging", "    auto_rollback: {after: 3s}\n")
    before = world.overlay("staging")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    (release,) = run(capsys, world, "history", "staging")["releases"][:1]
    world.argocd.apps["app-staging"] = application("app-staging", running(world, "staging"))
    time.sleep(1.5)  # the release's commit is in whole seconds: the failure starts after it
    metrics.set(0.5)

    now = pinned(monkeypatch)
    (waits,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert waits["action"] == "unchanged" and waits["decision"]["rule"] == "auto_rollback"
    assert waits["warnings"][0].startswith(
        f"auto-rollback staging: metrics gate error-rate failing ({metrics.query}: "
    )
    failing_since = datetime.fromisoformat(waits["decision"]["since"])
    assert failing_since <= now

    until(failing_since + timedelta(seconds=3))
    pinned(monkeypatch)
    rollback = surfaces(world, capsys)[("staging", APP)]
    assert act(rollback) == ("rollback", "auto_rollback")
    assert rollback["evidence"]["failure"].startswith("metrics gate error-rate failing")
    (rolled,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert rolled["action"] == "pull_request" and rolled["kind"] == "rollback", rolled["warnings"]
    (pr,) = world.github.open_pulls()
    assert (
        f"Rolled back automatically: release {release['release']} metrics gate error-rate failing"
        in shown(pr["body"])
    )
    assert world.overlay("staging", "gitops-bot/rollback/staging") == before

    # Again, still failing: the same pull request, nothing new.
    branches = world.branches()
    pinned(monkeypatch)
    (again,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert again["action"] == "unchanged" and world.branches() == branches
    assert len(world.github.pulls) == 2  # the promotion and the rollback

    # Merged, still failing: never a second rollback. The rollback is now staging's newest
    # release, and the gate failed before it: not its doing (and its hold would stop it too).
    world.merge_only_pr()
    assert "auto-rollback:" in world.show("gitops-bot.holds.yaml")
    pinned(monkeypatch)
    (held,) = _staging(run(capsys, world, "update", "--env", "staging"))
    assert held["action"] == "unchanged"
    assert held["warnings"][0].endswith("not its doing"), held["warnings"]
    assert world.overlay("staging") == before and world.github.open_pulls() == []


def test_promote_by_hand_refuses_while_the_sources_gate_fails_unless_forced_with_a_reason(
    world: World, metrics: Metrics, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    metrics.set(0.2)
    pinned(monkeypatch)
    refused = run(capsys, world, "promote", "staging", "production", code=4)["error"]
    assert f"refused: staging's metrics gate error-rate ({metrics.query}) fails" in refused
    assert "0.2, not < 0.05" in refused and "--force --reason" in refused
    assert world.github.open_pulls() == []
    no_reason = run(capsys, world, "promote", "staging", "production", "--force", code=2)["error"]
    assert "overriding it needs a reason" in no_reason

    out = run(capsys, world, "promote", "staging", "production", "--force", "--reason", "the fix itself")
    assert [r["action"] for r in out["results"]] == ["pull_request"]
    (pr,) = world.github.open_pulls()
    assert "metrics gate overridden (staging's metrics gate error-rate" in shown(pr["body"])
    assert "): the fix itself" in shown(pr["body"])
    # the person decided on that gate: the runs after it do not mark their promotion for it
    run(capsys, world, "update", "--env", "production")
    (still,) = world.github.open_pulls()
    assert "no longer stands behind this" not in still["body"]


def test_without_data_the_gate_never_passes(
    world: World, prom: PrometheusProcess, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An expression that matches nothing (a renamed metric, a typo in a label) blocks as a
    failure does, and says it has no data."""
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", f"metrics:\n  url: {prom.url}\nargocd:\n"))
    gate = "    gates:\n      metrics:\n        - {name: error-rate, query: 'app_error_rate{service=\"typo\"}', condition: '< 0.05'}\n"
    configure(world, "staging", gate)
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    world.staging_runs(*running(world, "staging"))
    pinned(monkeypatch)
    blocked = surfaces(world, capsys)[("production", APP)]
    assert act(blocked) == ("blocked", "metrics") and "has no data" in blocked["reason"]
    assert blocked["evidence"]["verdict"] == "no data"


def test_the_prometheus_fixture_is_the_real_server(prom: PrometheusProcess) -> None:
    assert prom.proc is not None and Path(str(prom.proc.args[0])).name == "prometheus"
