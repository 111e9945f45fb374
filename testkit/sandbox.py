"""Run a command where it cannot touch the machine's ``/dev``: a private mount namespace
(``unshare -m``, util-linux, as root) whose ``/dev`` is a fresh tmpfs holding only the few
device nodes programs expect (null, zero, random, urandom, tty). Whatever the command deletes
or replaces there vanishes with the namespace.

Tests that run gpg as root with keys that fail (gpg removes its output file on failure) go
through this; there is no fallback that runs them unconfined.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence

_NODES = (("null", 1, 3), ("zero", 1, 5), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0))


def private_dev(
    argv: Sequence[str], *, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``argv`` run with a private ``/dev``; its output as text. Fails (non-zero) rather than
    running unconfined when the namespace cannot be made."""
    nodes = "; ".join(f"mknod -m 666 /dev/{n} c {major} {minor}" for n, major, minor in _NODES)
    script = (
        "set -e; mount -t tmpfs -o mode=755 gitops-bot-test-dev /dev; "
        f"{nodes}; mountpoint -q /dev; exec {shlex.join(argv)}"
    )
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
