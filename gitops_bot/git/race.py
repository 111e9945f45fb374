"""Push races: how git words "someone else updated this ref first", and the attempts of a
retry with jittered back-off until a deadline."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from typing import Any

# How git (and GitHub/GitLab's receive-pack) words "someone else updated this ref first".
RACE = re.compile(
    r"\[rejected\]|\[remote rejected\]|stale info|fetch first|non-fast-forward|failed to update ref"
    r"|cannot lock ref|incorrect old value|reference already exists|failed to lock"
)
RACE_DEADLINE = 90.0  # seconds of push retries before giving up (exit 3)


def race_attempts(
    deadline: float = RACE_DEADLINE, *, sleep: Any = time.sleep, clock: Any = time.monotonic
) -> Iterator[int]:
    """Attempt numbers for a push race: back-off with full jitter between attempts (so four
    bots that collided do not collide again in step), until ``deadline`` seconds have passed."""
    end = clock() + deadline
    attempt = 1
    while True:
        yield attempt
        wait = random.uniform(0, min(0.2 * 2**attempt, 5.0))
        if clock() + wait >= end:
            return
        sleep(wait)
        attempt += 1
