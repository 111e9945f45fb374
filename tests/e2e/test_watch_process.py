"""``gitops-bot watch`` as a process: cycles against a real registry, git remote and the local
GitHub API; /healthz, /readyz, /metrics; JSON log lines; SIGTERM exits 0 and leaves no
half-pushed branch; an outage backs off and is counted."""

from __future__ import annotations

import json
import signal

import pytest

from gitops_bot.commands.update import Updater
from gitops_bot.watch import Watcher
from testkit.update_world import World, git
from testkit.watch_process import Proc, get, successes, watch_argv


def test_watch_serves_health_and_metrics_updates_and_stops_on_sigterm(world: World) -> None:
    world.push("app", "1.1.0")
    proc = Proc(watch_argv(world, "--interval", "1s", "--listen", "127.0.0.1:0"))
    try:
        proc.wait_for("the endpoint", lambda: proc.events("listening"))
        base = "http://" + proc.events("listening")[0]["address"]
        assert get(base + "/healthz") == (200, "ok\n")
        # a success, not any cycle line: /readyz is 503 until one (last_success is set before
        # the success line is written, so after it readiness cannot lag)
        proc.wait_for("a successful cycle", lambda: successes(proc))
        assert get(base + "/readyz")[0] == 200, "".join(proc.lines)
        (change,) = [c for c in proc.events("change") if c["action"] == "pull_request"]
        assert change["environment"] == "staging" and "example/app 1.0.0 -> 1.1.0" in change["images"]
        assert len(world.github.open_pulls()) == 1

        # a new tag is picked up by a later cycle, in the same pull request
        world.push("app", "1.2.0")
        proc.wait_for(
            "the PR to follow 1.2.0",
            lambda: "`1.2.0`" in (world.github.open_pulls() or [{}])[0].get("body", ""),
        )
        proc.wait_for("three successful cycles", lambda: len(successes(proc)) >= 3)
        status, metrics = get(base + "/metrics")
        assert status == 200
        cycles = [
            ln for ln in metrics.splitlines() if ln.startswith('gitops_bot_cycles_total{result="success"}')
        ]
        assert cycles and float(cycles[0].split()[-1]) >= 3
        assert 'gitops_bot_pull_requests_total{action="pull_request"} 2.0' in metrics
        assert 'gitops_bot_registry_requests_total{status="200"}' in metrics
        assert "gitops_bot_cycle_duration_seconds_bucket" in metrics
        assert "gitops_bot_last_success_timestamp_seconds" in metrics
        assert all(json.loads(c)["event"] for c in proc.lines if c.startswith("{"))
    finally:
        proc.p.send_signal(signal.SIGTERM)
        code = proc.p.wait(timeout=30)
    assert code == 0, "".join(proc.lines)
    assert proc.events("stopped")
    assert len(world.github.pulls) == 1 and world.github.unexpected == []


def test_a_broken_config_pushed_after_the_first_cycle_is_a_failed_cycle_not_an_exit(world: World) -> None:
    """A bad commit in the GitOps repository must not crash-loop watch (and take its webhook
    endpoint and metrics down): the cycle fails, /readyz says so, the next cycle retries."""
    world.push("app", "1.1.0")
    proc = Proc(watch_argv(world, "--interval", "1s", "--jitter", "0", "--listen", "127.0.0.1:0"))
    seed = world.tmp / "seed"
    try:
        proc.wait_for("the endpoint", lambda: proc.events("listening"))
        base = "http://" + proc.events("listening")[0]["address"]
        proc.wait_for("a successful cycle", lambda: successes(proc))
        good = (seed / "gitops-bot.yaml").read_text()

        def commit(text: str, message: str) -> None:
            (seed / "gitops-bot.yaml").write_text(text)
            git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", message)
            git(seed, "push", "-q", "origin", "main")

        commit("environments: [unclosed\n", "broken")
        proc.wait_for("a failed cycle", lambda: [c for c in proc.events("cycle") if c["result"] == "failure"])
        assert proc.p.poll() is None, "".join(proc.lines)
        assert get(base + "/readyz")[0] == 503 and get(base + "/healthz") == (200, "ok\n")
        metrics = get(base + "/metrics")[1]
        assert 'gitops_bot_cycles_total{result="failure"}' in metrics
        assert 'gitops_bot_cycles_total{result="failure"} 0.0' not in metrics

        commit(good, "fixed")
        proc.wait_for("readiness back", lambda: get(base + "/readyz")[0] == 200)
    finally:
        proc.p.send_signal(signal.SIGTERM)
        code = proc.p.wait(timeout=30)
    assert code == 0, "".join(proc.lines)


def test_stopping_before_a_release_pushes_nothing(world: World) -> None:
    world.push("app", "1.1.0")
    asked = []

    def stop() -> bool:
        asked.append(1)
        return True

    outcomes = Updater(f"file://{world.remote}").run(["staging"], should_stop=stop)
    assert outcomes == [] and asked
    assert world.branches() == ["main"] and world.github.pulls == []


def test_an_outage_backs_off_and_is_counted(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(world.tmp / "cache2"))
    watcher = Watcher(lambda: Updater(f"file://{world.tmp}/no-such-remote.git"), interval=60, jitter=0)
    ok, unavailable = watcher.cycle()
    assert (ok, unavailable) == (False, True)
    text = watcher.metrics.render().decode()
    assert 'gitops_bot_cycles_total{result="failure"} 1.0' in text
    assert watcher.last_success is None
