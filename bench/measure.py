"""What a benchmark reads besides wall time: a process's CPU from /proc, and children's rusage.

The registry's own CPU (``utime + stime`` of its process, read before and after a run) is the
yardstick of issue 17: the bot should spend at most half of it per image.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
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
    cpu: float = 0.0  # this child's own CPU (user + system), seconds


# Runs the command as its own child and reports that child's rusage on an inherited pipe: a
# process's ru_maxrss keeps the peak of the memory it was forked from (Linux carries the old
# address space's high-water mark across exec), so a command started straight from this
# process reported at least this process's own peak, the seeding and in-process config loads
# of the benchmark included. Forked from this small interpreter instead, it reports its own.
_REAPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
os.write(int(sys.argv[1]), f"{ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}".encode())
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_child(cmd: list[str], env: Mapping[str, str] | None = None) -> Finished:
    """Run ``cmd`` to the end (in ``env``, default this process's environment); its output, and
    its own peak RSS and CPU (see ``_REAPER``), which count the children it waited for too."""
    read, write = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _REAPER, str(write), *cmd],
            stdout=out,
            stderr=err,
            pass_fds=(write,),
            env=None if env is None else dict(env),
        )
        os.close(write)
        with os.fdopen(read, "rb") as report:
            rss_kb, cpu = report.read().decode().split() or ["0", "0"]
        proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        return Finished(proc.returncode, stdout, stderr, int(rss_kb) / 1024, float(cpu))
