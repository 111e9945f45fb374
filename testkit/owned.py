"""``python -m testkit.owned COMMAND...``: COMMAND run for as long as the process that started
this one lives. A test starts a long-lived world (the playground: its registry, clock and watch)
in a session of its own, so that one signal to that group ends all of it; but a run stopped from
outside (a CI job's timeout, pytest's own group killed) never sends it, and the world kept running
idle on the machine. Started as its session's leader, this process sends its group SIGTERM once
its parent is gone; otherwise COMMAND's exit is its own (128 + the signal that ended it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

CHECK = 1.0  # seconds between looks at the parent


def main(argv: list[str]) -> int:
    owner = os.getppid()
    # the group's SIGTERM (the test's own stop, or the one sent below) is COMMAND's to act on:
    # this process waits for it to finish, so whoever waits here waits for its clean-up too
    signal.signal(signal.SIGTERM, lambda *_: None)
    child = subprocess.Popen(argv)
    ended = False
    while True:
        try:
            code = child.wait(timeout=CHECK)
        except subprocess.TimeoutExpired:
            if not ended and os.getppid() != owner:
                os.killpg(0, signal.SIGTERM)
                ended = True
            continue
        return 128 - code if code < 0 else code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
