"""Run a command under the real ``strace`` and say every connection it, or any process it
starts, tried to make that leaves the machine: a ``connect``/``sendto``/``sendmsg`` to an
address that is not loopback, or to port 53 anywhere (a DNS query, even to a resolver on
loopback). AF_UNIX and AF_NETLINK sockets stay on the machine and are not reported."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from testkit import kubetools

# one traced call naming an IP address: its family, port and address, as strace prints them
_INET = re.compile(r"sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\(\"([^\"]+)\"\)")
_INET6 = re.compile(r"sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, \"([^\"]+)\"")


def strace() -> str | None:
    return shutil.which("strace")


def reaches(trace: str) -> list[str]:
    """The lines of an ``strace -e trace=connect,sendto,sendmsg`` log that leave the machine."""
    out: list[str] = []
    for line in trace.splitlines():
        for pattern, loopback in ((_INET, _loopback4), (_INET6, _loopback6)):
            for port, address in pattern.findall(line):
                if int(port) == 53 or not loopback(address):
                    out.append(line.strip())
    return out


def _loopback4(address: str) -> bool:
    return address.startswith("127.")


def _loopback6(address: str) -> bool:
    return address == "::1" or address.startswith("::ffff:127.")


def traced(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``argv`` run under ``strace -f`` (every child followed): the finished process and the
    lines of its trace that leave the machine."""
    tool = strace()
    if tool is None:
        raise RuntimeError("strace is not installed: apt-get install -y strace (scripts/bootstrap.sh)")
    fd, log = tempfile.mkstemp(prefix="netwatch-", suffix=".log")
    os.close(fd)
    try:
        proc = subprocess.run(
            [
                tool,
                "-f",
                # only the traced calls stop the process (seccomp-bpf): the same lines, at a fraction
                # of the cost of stopping every system call of every child (git, kubectl)
                "--seccomp-bpf",
                "-qq",
                "-e",
                "signal=none",
                "-e",
                "trace=connect,sendto,sendmsg,sendmmsg",
                "-o",
                log,
                *argv,
            ],
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        return proc, reaches(Path(log).read_text(errors="replace"))
    finally:
        os.unlink(log)


def bot_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the bot run as a user runs it: PATH and the locale, a home of its own
    under ``tmp_path`` (its cache there), and the real ``kubectl`` and ``helm``."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "PYTHONPATH")},
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "GITOPS_BOT_KUBECTL": kubetools.kubectl(),
        "GITOPS_BOT_HELM": kubetools.helm(),
    }


def bot(tmp_path: Path, *argv: str, prefix: Sequence[str] = ()) -> tuple[int, str, str]:
    """``gitops-bot argv`` as a process under :func:`traced` (``prefix`` before the interpreter,
    e.g. ``prlimit``), in ``tmp_path``: its exit code, stdout and stderr, once it is known that
    it printed no traceback and reached nothing off the machine."""
    proc, reached = traced(
        [*prefix, sys.executable, "-m", "gitops_bot", *argv], env=bot_env(tmp_path), cwd=tmp_path
    )
    assert "Traceback" not in proc.stdout + proc.stderr, (argv, proc.stderr[-4000:])
    assert reached == [], (argv, reached)
    return proc.returncode, proc.stdout, proc.stderr
