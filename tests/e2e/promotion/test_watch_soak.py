"""``watch`` restarted in the middle of a soak keeps its clock: the soak's start is read from
git (when staging's files last changed) and from Argo CD, never from the process, so a new
process reports the same start and end, and promotes when that end is reached. A real
``watch`` process, the real registry and git remote, the GitHub and Argo CD servers."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest

from testkit.argocd_server import application
from testkit.promotion_world import World, add_files
from testkit.soak_clock import configure, promoted_to_staging, rfc3339, running
from testkit.watch_process import Proc, successes, watch_argv


def _watch(world: World) -> Proc:
    return Proc(watch_argv(world, "--interval", "1s", "--listen", "127.0.0.1:0", env="production"))


def _stop(proc: Proc) -> None:
    proc.p.send_signal(signal.SIGTERM)
    assert proc.p.wait(timeout=30) == 0, "".join(proc.lines)


def test_watch_restarted_mid_soak_keeps_the_soak_start_from_git_and_argo_cd(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    # staging's release landed half an hour ago (git keeps the author date of the squash)
    landed = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    monkeypatch.setenv("GIT_AUTHOR_DATE", landed.isoformat())
    world.merge_only_pr()
    monkeypatch.delenv("GIT_AUTHOR_DATE")
    deployed = rfc3339(landed - timedelta(minutes=10))  # Argo CD's record is older than git's here
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        running(world, "staging"),
        health_since=deployed,
        finished=deployed,
        deployed=(deployed,),
        reconciled=rfc3339(landed + timedelta(minutes=30)),  # now: after the shorter soak below
    )
    since, until = rfc3339(landed), rfc3339(landed + timedelta(hours=1))

    first = _watch(world)
    try:
        first.wait_for("a soak decision", lambda: first.events("soak") and successes(first))
    finally:
        _stop(first)
    soak = first.events("soak")[0]
    assert (soak["since"], soak["until"], soak["ready"]) == (since, until, False)

    second = _watch(world)  # a new process: no state carried over but git and Argo CD
    try:
        second.wait_for("a soak decision", lambda: second.events("soak") and successes(second))
        again = second.events("soak")[0]
        assert (again["since"], again["until"], again["ready"]) == (since, until, False)
        assert world.github.open_pulls() == []
        # a shorter soak, configured now: 30 minutes since `landed` are over, so it promotes
        add_files(world, {}, ("gitops-bot.yaml", "after: 1h}", "after: 20m}"))
        second.wait_for("the promotion pull request", lambda: world.github.open_pulls())
        second.wait_for("a cycle after it", lambda: len(successes(second)) >= 3)
    finally:
        _stop(second)
    (pr,) = world.github.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/promotion/production"
    assert f"Healthy and Synced, since {since} (auto_promote after 20m)." in pr["body"]
    assert len(world.github.pulls) == 2 and world.github.unexpected == []
