"""A command run builds at most one client per gate server, and reads each Argo CD Application
once: ``status``, ``plan``, ``explain``, a person's ``promote`` and ``update`` of an environment
gated by Argo CD and a metrics gate (Prometheus), with the automatic promotion's soak and the
dashboard issue, over the real registry and git remote, a real Prometheus, and the spec-held
GitHub and Argo CD servers.

``update`` keeps its dashboard issue in a session of its own after the run's (so the pull
requests just opened are listed), and ``watch`` its status page after each repository's run;
that session judges the gates with the run's clients and readings, where it built a second
Argo CD and a second Prometheus client and asked staging's Application, its metrics gate's
window, its checks and its web endpoint again.

Counted where the clients are made, per ``main()`` call: one command run each (the bench's
plugin, bench/gate_route.py, counts the same)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.commands.update import Updater
from gitops_bot.gate import argocd, metrics
from gitops_bot.output import status_html
from gitops_bot.watch import Watcher
from gitops_bot.watch.page import StatusPage
from testkit.jsonapi import JSONServer
from testkit.prometheus import PrometheusProcess
from testkit.promotion_world import World, add_files
from testkit.soak_clock import at, configure, promoted_to_staging, running, staging_deployed, start
from testkit.update_world import git

# staging's metrics gate: its error rate, as Prometheus answers it, none
METRICS = "    gates:\n      metrics:\n        - {name: errors, query: 'vector(0)', condition: '< 1'}\n"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """The gate clients made since the counter was last cleared, by kind."""
    made: Counter[str] = Counter()
    for kind, cls in (("argocd", argocd.ArgoCD), ("prometheus", metrics.Prometheus)):
        real = cls.__init__

        def counted(self: Any, *args: Any, _real: Any = real, _kind: str = kind, **kwargs: Any) -> None:
            made[_kind] += 1
            _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counted)
    yield made


def command(
    world: World, capsys: pytest.CaptureFixture[str], built: Counter[str], *argv: str
) -> Counter[str]:
    """``gitops-bot ARGV`` (on the remote, or on ``--repo`` when given): the clients it built."""
    built.clear()
    world.argocd.requests.clear()
    repo = [] if "--repo" in argv else ["--repo", f"file://{world.remote}"]
    rc = main([*argv, *repo, "--output", "json"])
    _, err = capsys.readouterr()
    assert rc == 0, err
    return Counter(built)


def gated(
    world: World,
    prom: PrometheusProcess,
    capsys: pytest.CaptureFixture[str],
    gates: str,
    *,
    dashboard: bool = True,
) -> None:
    """staging judged by ``gates`` (Prometheus at ``prom`` for its metrics, Argo CD for its
    health), production promoted from it after an hour's soak, the dashboard issue kept unless
    ``dashboard`` is false, and app 1.1.0 promoted to staging and merged."""
    configure(world, "staging", gates)
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    issue = "dashboard:\n  enabled: true\n" if dashboard else ""
    add_files(world, {}, ("gitops-bot.yaml", "argocd:\n", f"metrics:\n  url: {prom.url}\n{issue}argocd:\n"))
    promoted_to_staging(capsys, world)
    world.merge_only_pr()


def test_each_command_run_builds_one_client_per_gate_server_and_reads_an_application_once(
    world: World,
    prom: PrometheusProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    built: Counter[str],
) -> None:
    gated(world, prom, capsys, METRICS)
    t0 = start()
    staging_deployed(world, t0, t0 + timedelta(minutes=30))
    at(monkeypatch, t0 + timedelta(minutes=30))  # production waits for staging's soak
    one = Counter({"argocd": 1, "prometheus": 1})
    staging = ["/api/v1/applications/app-staging"]

    assert command(world, capsys, built, "status") == one
    assert world.argocd.requests == staging
    assert command(world, capsys, built, "explain", "production", "example/app") == one
    assert world.argocd.requests == staging
    checkout = world.tmp / "checkout"
    git(world.tmp, "clone", "-q", str(world.remote), str(checkout))
    assert command(world, capsys, built, "plan", "--repo", str(checkout)) == one
    assert world.argocd.requests == staging

    # update: the run's soak and decisions, then the dashboard's status in a session of its own
    assert command(world, capsys, built, "update") == one
    assert world.argocd.requests == staging
    (issue,) = world.github.issues
    assert "| **production** | example/app |" in issue["body"]

    assert command(world, capsys, built, "promote", "staging", "production") == one
    assert world.argocd.requests == staging


def test_a_watch_cycle_and_its_status_page_build_one_client_per_gate_server(
    world: World,
    prom: PrometheusProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    built: Counter[str],
) -> None:
    """``watch`` computes its page's status in a session of its own after each repository's run:
    the cycle's run and page judge the gates with one client per server."""
    gated(world, prom, capsys, METRICS, dashboard=False)
    world.staging_runs(*running(world, "staging"))
    page = StatusPage(status_html.render, csp=status_html.CONTENT_SECURITY_POLICY)
    watcher = Watcher(lambda: Updater(f"file://{world.remote}"), interval=3600, page=page)

    for _ in range(2):  # each cycle its own clients: the next one reads Argo CD again
        built.clear()
        world.argocd.requests.clear()
        assert watcher.cycle() == (True, False)
        assert built == Counter({"argocd": 1, "prometheus": 1})
        assert world.argocd.requests == ["/api/v1/applications/app-staging"]
    shown = page.answer("/status.json", {})
    assert shown is not None and "app-staging" in shown.text  # the page shows the gate the run read


class Approval(JSONServer):
    """A change-approval endpoint: GET /change answers ``state``; each request recorded."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._serve(self._answer)

    def _answer(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        self.asked.append(f"{method} {path}")
        return 200, {"state": "approved"}, {}


def test_an_update_and_its_dashboard_read_each_gate_once(
    world: World,
    prom: PrometheusProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    built: Counter[str],
) -> None:
    """The metrics, checks and web gates a run judges are the ones its dashboard shows: each
    asked once (a second session's reading may disagree with the run's, and costs the server
    a second request)."""
    queried: list[tuple[str, datetime | None]] = []  # each metrics gate asked, and since when
    real = metrics.Prometheus.reading

    def reading(self: Any, gate: Any, at: datetime, since: datetime | None = None) -> Any:
        queried.append((gate.name, since))
        return real(self, gate, at, since)

    monkeypatch.setattr(metrics.Prometheus, "reading", reading)
    with Approval() as approval:
        gates = (
            METRICS
            + "      checks: {require: [smoke-test]}\n"
            + f"      web:\n        - {{name: change, url: '{approval.url}/change', pointer: /state, equals: approved}}\n"
        )
        gated(world, prom, capsys, gates)
        t0 = start()
        staging_deployed(world, t0, t0 + timedelta(hours=2))
        at(monkeypatch, t0 + timedelta(hours=2))  # soaked: the update promotes to production
        released = git(world.remote, "log", "-1", "--format=%H", "main", "--", "overlays/staging")
        world.github.check_runs[released] = [("smoke-test", "completed", "success")]
        checks = f"/repos/acme/gitops/commits/{released}/check-runs"
        requests = len(world.github.paths())
        approval.asked.clear()

        assert command(world, capsys, built, "update") == Counter({"argocd": 1, "prometheus": 1})
        (pr,) = world.github.open_pulls()
        assert pr["head"]["ref"] == "gitops-bot/promotion/production"
        (issue,) = world.github.issues
        assert "| **production** | example/app |" in issue["body"]
        asked = {
            "web": len(approval.asked),
            "checks": len([p for p in world.github.paths()[requests:] if p.startswith(f"GET {checks}")]),
            "metrics": len(queried) - len(set(queried)),  # a window asked again (the soak's is its own)
        }
        assert asked == {"web": 1, "checks": 1, "metrics": 0}
