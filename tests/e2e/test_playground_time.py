"""The playground after its clock has moved on: ``scripts/play bot plan`` reads the repository
as the verbs left it (not the demo's copy), and ``report`` dates a restore by the playground's
clock (a rollback after 15 playground minutes reads as 15 minutes, not the seconds that passed
in real time). The playground runs from a fresh clone of this checkout, as the newcomer test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit import docs_examples as dx


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Path]:
    clone = tmp_path / "gitops-bot"
    subprocess.run(["git", "clone", "-q", str(dx.ROOT), str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone), "TMPDIR": str(tmp_path)}
    log = tmp_path / "playground.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "testkit.owned", sys.executable, "-m", "testkit.demo", "--keep"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state = clone / ".playground/state.json"
    try:
        deadline = time.monotonic() + 240
        while not state.exists():
            assert proc.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.2)
        time.sleep(0.2)
        yield clone
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=60)


def play(clone: Path, *args: str) -> str:
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(clone)}
    done = subprocess.run(
        ["bash", "scripts/play", *args], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, f"scripts/play {' '.join(args)}: exit {done.returncode}\n{said}"
    assert "Traceback" not in said, said
    return said


def staging_app(plan_text: str) -> str:
    """What ``plan``'s text says staging declares for example/app."""
    rows = plan_text.split("staging\n", 1)[1].splitlines()
    return next(r.split()[1] for r in rows if r.strip().startswith("example/app"))


@pytest.mark.timeout(900)
def test_plan_and_report_read_the_playground_as_it_is_now(playground: Path) -> None:
    clone = playground
    assert staging_app(play(clone, "bot", "plan", "--env", "staging")).startswith("1.4.1@")
    play(clone, "push", "app", "1.5.0")
    play(clone, "merge", "staging")
    # the merge is on the remote: plan reads staging as it is now
    assert staging_app(play(clone, "bot", "plan", "--env", "staging")).startswith("1.5.0@")
    play(clone, "health", "staging", "Degraded")
    assert "gitops-bot/rollback/staging" in play(clone, "wait", "15m")
    play(clone, "merge", "rollback/staging")
    play(clone, "wait", "2h")
    report: dict[str, Any] = json.loads(play(clone, "bot", "report", "staging", "--output", "json"))
    (staging,) = report["environments"]
    restore = staging["time_to_restore"]
    # released at the merge, broken at once, rolled back after ten Degraded minutes, caught by
    # the cycle after ``wait 15m``: 15 playground minutes and the seconds the verbs took
    assert restore["count"] == 1, restore
    assert 15 * 60 <= restore["median_seconds"] < 20 * 60, restore
    # a freeze merged after the clock jump: plan sees it, at the playground's time
    play(clone, "bot", "freeze", "staging", "--until", "3h", "--reason", "launch day")
    play(clone, "merge", "freeze/staging")
    plan = play(clone, "bot", "plan", "--env", "staging")
    assert "blocked (freeze): staging is frozen until" in plan and "launch day" in plan, plan
    assert staging_app(plan).startswith("1.4.1@")  # the rollback, merged
    play(clone, "down")
