"""The CPU of the kubectl runs inside a bot run, apart from the bot process's own.

A child's rusage (``measure.run_child``) counts every process it waited for, so a ``plan`` that
renders its overlay with ``kubectl kustomize`` reports the bot's CPU and kubectl's together.
The bot is pointed (``GITOPS_BOT_KUBECTL``) at a ``/bin/sh`` wrapper instead: a shell script,
not Python, so that its own start costs next to nothing. It runs the real kubectl and then
appends to a log:

- when ``/usr/bin/time`` is there, one line ``kubectl USER SYS MAXRSS_KB`` for kubectl itself
  (its peak RSS too: the bot's reported peak is the larger of its own and its children's);
- always, the shell's ``times``: two lines, the wrapper shell's own user and system time, then
  that of its children (kubectl, and ``time`` around it).

Everything the wrapper spent (the second pair plus the first) comes off the whole process's CPU
to give the bot process's; the kubectl figure is ``time``'s when present, else ``times``'s
children. Each append is one ``write`` on a file opened for appending, so renders running at
once do not tear each other's lines. The paths are written into the script itself: the bot
runs its tools in a minimal environment.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

TIME = "/usr/bin/time"
_TIMES = re.compile(r"^(\d+)m(\d+(?:[.,]\d*)?)s\s+(\d+)m(\d+(?:[.,]\d*)?)s$")
_TIMED = re.compile(r"^kubectl (\d+(?:\.\d*)?) (\d+(?:\.\d*)?) (\d+)$")


@dataclass(frozen=True)
class KubectlCpu:
    calls: int = 0  # kubectl runs that finished
    kubectl: float = 0.0  # seconds of CPU (user + system) kubectl spent
    wrapper: float = 0.0  # seconds every process the wrappers ran (kubectl included) spent
    peak_rss_mb: float | None = None  # kubectl's largest peak, when /usr/bin/time measured it


def find_kubectl(root: Path) -> str | None:
    """The real kubectl: the project's tools first (``.tools/bin``), else PATH."""
    local = root / ".tools" / "bin" / "kubectl"
    return str(local.resolve()) if local.is_file() else shutil.which("kubectl")


def write_wrapper(folder: Path, kubectl: str, time_binary: str | None = TIME) -> tuple[Path, Path]:
    """A wrapper script in ``folder`` running ``kubectl``; returns it and the log it appends to."""
    log = folder / "kubectl-cpu.log"
    q = shlex.quote
    timed = time_binary and Path(time_binary).is_file()
    run = (
        f'{q(time_binary)} -a -o {q(str(log))} -f "kubectl %U %S %M" {q(kubectl)} "$@"'
        if timed and time_binary
        else f'{q(kubectl)} "$@"'
    )
    script = folder / "kubectl"
    script.write_text(f'#!/bin/sh\n{run}\nstatus=$?\ntimes >> {q(str(log))}\nexit "$status"\n')
    script.chmod(0o755)
    log.write_text("")
    return script, log


def _seconds(minutes: str, seconds: str) -> float:
    return int(minutes) * 60 + float(seconds.replace(",", "."))


def parse(text: str) -> KubectlCpu:
    """What the wrappers appended (see the module's docstring). Other lines (``time`` says
    "Command exited with non-zero status N" before its own) are passed over."""
    times: list[float] = []  # user + system of each `times` line: shell, children, shell, ...
    timed: list[float] = []
    rss: list[int] = []
    for line in text.splitlines():
        if m := _TIMES.match(line.strip()):
            times.append(_seconds(m[1], m[2]) + _seconds(m[3], m[4]))
        elif m := _TIMED.match(line.strip()):
            timed.append(float(m[1]) + float(m[2]))
            rss.append(int(m[3]))
    if len(times) % 2:
        raise ValueError(f"the kubectl wrapper's log has an odd number of `times` lines: {text!r}")
    children = times[1::2]
    return KubectlCpu(
        calls=len(children),
        kubectl=sum(timed) if timed else sum(children),
        wrapper=sum(times),
        peak_rss_mb=max(rss) / 1024 if rss else None,
    )


def take(log: Path) -> KubectlCpu:
    """What the log holds, emptied for the next run."""
    found = parse(log.read_text())
    log.write_text("")
    return found
