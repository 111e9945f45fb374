"""Do a plan's manifest requests wait for a slot of the registry's window behind the tag
listings? The setting of ``bench/renovate_bench.py`` (N images of ``--tags`` tags in the real
registry behind the delay relay, ``--rtt``, one overlay), the plan run in this process
``--runs`` times with :meth:`gitops_bot.net.window.Window.take` wrapped: each request's wait
for its slot, by what asked it (a tag listing, a manifest), printed for each run with the
plan's wall and CPU (in process: no start-up).

    nice -n 5 .venv/bin/python bench/slot_wait_bench.py --repos 200 --runs 4
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from latency_bench import REGISTRY_ENV
from plan_bench import seed
from renovate_bench import LoggedRegistry, repository

from gitops_bot.cli import main as cli
from gitops_bot.net import window
from testkit.relay import DelayRelay

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"list_tags": "tag listing", "resolve_digest": "manifest", "_get_manifest": "manifest"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--rtt", type=float, default=0.042)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    args = ap.parse_args()
    waits: dict[str, list[float]] = {}
    lock = threading.Lock()
    take = window.Window.take

    def timed(self: window.Window, deadline: float | None = None) -> int:
        frame: Any = sys._getframe(1)
        while frame is not None and frame.f_code.co_name not in KINDS:
            frame = frame.f_back
        kind = KINDS[frame.f_code.co_name] if frame is not None else "other"
        start = time.monotonic()
        ticket = take(self, deadline)
        with lock:
            waits.setdefault(kind, []).append(time.monotonic() - start)
        return ticket

    window.Window.take = timed  # type: ignore[method-assign]
    os.environ["PATH"] = f"{ROOT / '.tools/bin'}{os.pathsep}{os.environ['PATH']}"
    data = args.cache.resolve() / f"registry-{args.repos}x{args.tags}"
    fresh = not (data / "seeded").exists()
    with tempfile.TemporaryDirectory() as tmp, LoggedRegistry(data, env=REGISTRY_ENV) as reg:
        if fresh:
            seed(reg, args.repos, args.tags)
            (data / "seeded").touch()
        with DelayRelay(reg.host, args.rtt / 2) as relay:
            repo = Path(tmp) / "gitops"
            repository(repo, relay.host, args.repos)
            for run in range(args.runs):
                waits.clear()
                wall, cpu = time.monotonic(), time.process_time()
                with contextlib.redirect_stdout(io.StringIO()):
                    code = cli(["plan", "--repo", str(repo), "--output", "json"])
                line = (
                    f"run {run + 1}: exit {code}, wall {time.monotonic() - wall:.2f} s, CPU "
                    f"{time.process_time() - cpu:.2f} s, load {os.getloadavg()[0]:.1f}"
                )
                for kind, each in sorted(waits.items()):
                    line += (
                        f"; {kind} {len(each)}: {sum(1 for w in each if w > 0.001)} waited over 1 ms, "
                        f"mean {statistics.mean(each) * 1000:.1f} ms, most {max(each) * 1000:.0f} ms"
                    )
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
