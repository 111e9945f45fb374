"""A world a test starts in a session of its own (the playground) ends with the test process
(testkit.owned), even when that process is killed and never stops it: a run stopped from outside
left the playground, its registry and its clock running on the machine."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from testkit.paths import ROOT

# a test process: it starts COMMAND in a session of its own, as the playground fixtures do, says
# the session's id, and waits to be killed
OWNER = """
import subprocess, sys, time
p = subprocess.Popen([sys.executable, "-m", "testkit.owned", *sys.argv[1:]], start_new_session=True)
print(p.pid, flush=True)
time.sleep(600)
"""


def _group(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (zombies not counted: they run nothing)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    found.append(int(entry.name))
    return found


def _start(*command: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, *command], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert owner.stdout is not None
    return owner, int(owner.stdout.readline())


def _until(what: str, done: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_session_ends_when_the_process_that_started_it_is_killed() -> None:
    owner, session = _start("sleep", "600")
    try:
        _until("sleep started in the session", lambda: len(_group(session)) == 2)
        owner.kill()
        owner.wait()
        _until("the session's processes ended", lambda: _group(session) == [])
    finally:
        owner.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session, signal.SIGKILL)


def test_the_command_s_exit_is_the_session_leader_s_and_a_stop_waits_for_its_clean_up() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "testkit.owned", "sh", "-c", "exit 3"], env=env, cwd=ROOT)
    assert done.returncode == 3
    # the group's SIGTERM (a test's own stop): the leader returns once the command has finished
    # what its handler does, with the command's status
    trap = "trap 'sleep 1; echo cleaned; exit 7' TERM; while :; do sleep 0.1; done"
    leader = subprocess.Popen(
        [sys.executable, "-m", "testkit.owned", "sh", "-c", trap],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _until("the command started", lambda: len(_group(leader.pid)) >= 2)
        os.killpg(leader.pid, signal.SIGTERM)
        out, _ = leader.communicate(timeout=60)
        assert (leader.returncode, out) == (7, "cleaned\n")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader.pid, signal.SIGKILL)
