"""What a benchmark reads besides wall time: a process's CPU from /proc, and children's rusage.

The registry's own CPU (``utime + stime`` of its process, read before and after a run) is the
yardstick of issue 17: the bot should spend at most half of it per image.
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) a live process has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15 of stat(5)


@dataclass
class Sample:
    wall: float = 0.0
    own_cpu: float = 0.0  # this process (an in-process run)
    children_cpu: float = 0.0  # children that exited during the run (a subprocess run, git)
    registry_cpu: float = 0.0


def _children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _own() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


@contextmanager
def measured(registry_pid: int | None) -> Iterator[Sample]:
    """Wall time, this process's CPU, exited children's CPU and the registry's CPU of a block."""
    s = Sample()
    reg0 = process_cpu(registry_pid) if registry_pid else 0.0
    own0, ch0, t0 = _own(), _children(), time.monotonic()
    yield s
    s.wall = time.monotonic() - t0
    s.own_cpu = _own() - own0
    s.children_cpu = _children() - ch0
    s.registry_cpu = (process_cpu(registry_pid) - reg0) if registry_pid else 0.0


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float  # this child's own peak, not the largest of every child so far


def run_child(cmd: list[str]) -> Finished:
    """Run ``cmd`` to the end and read its own rusage with wait4: RUSAGE_CHILDREN's ru_maxrss
    is the largest of all the children this process ever waited for (the registry's helpers,
    git), which is not the figure a budget is about."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(proc.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)
