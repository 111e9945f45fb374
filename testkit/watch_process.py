"""``gitops-bot watch`` as a separate process: its JSON log lines read as they come, waits on
what they say, and plain GETs of its endpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol


class Proc:
    def __init__(self, argv: list[str]) -> None:
        self.p = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        self.lines: list[str] = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.p.stderr is not None
        for line in self.p.stderr:
            self.lines.append(line)

    def events(self, name: str) -> list[dict[str, Any]]:
        out = []
        for line in list(self.lines):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == name:
                out.append(ev)
        return out

    def wait_for(self, what: str, check: Callable[[], object], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; log:\n{''.join(self.lines)}")


class _Remote(Protocol):
    """A world with a git remote (``update_world`` and ``promotion_world`` both have one)."""

    @property
    def remote(self) -> Path: ...


def watch_argv(world: _Remote, *extra: str, env: str = "staging") -> list[str]:
    """``gitops-bot watch`` on one environment of the world (staging unless told), as a
    separate process."""
    return [
        sys.executable,
        "-m",
        "gitops_bot",
        "watch",
        "--repo",
        f"file://{world.remote}",
        "--env",
        env,
        *extra,
    ]


def successes(proc: Proc) -> list[dict[str, Any]]:
    return [c for c in proc.events("cycle") if c.get("result") == "success"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
