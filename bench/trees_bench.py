"""Source trees side by side: the same ``plan --output json`` of N images at a registry's round-trip
time, each tree's product as users install it (``bench/product.py``: its lock and wheel,
byte-compiled), runs interleaved (A, B, A, B ...), medians of wall and CPU (user + system,
children included). For a change measured against the tree before it: a trick stays only where
it buys at least a tenth of a figure a user feels (CONTRIBUTING, "Speed").

The real registry process seeded with N repositories of M tags behind the delay relay; the
overlay deploys every image at its oldest tag (two requests an image), no registry settings.
``kubectl`` is not on PATH (the plan renders nothing), so the figures are the bot's own.

    git worktree add /tmp/before main   # or: git archive main | tar -x -C /tmp/before
    .venv/bin/python bench/trees_bench.py /tmp/before . --repos 200 1000 --runs 5
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import product
from latency_bench import REGISTRY_ENV, write_repo
from measure import run_child
from plan_bench import seed

from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "trees", type=Path, nargs="+", help="source trees (each holds gitops_bot/ and requirements.lock)"
    )
    ap.add_argument("--repos", type=int, nargs="+", default=[200])
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rtt", type=float, default=0.040)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    args = ap.parse_args()
    exes = {}
    for tree in args.trees:
        root = tree.resolve()
        # one product venv per tree, kept under the cache by the tree's path
        key = hashlib.sha256(str(root).encode()).hexdigest()[:10]
        exes[str(tree)] = product.product(args.cache / f"tree-{key}", root=root)
    env = product.installed_env()
    env["GITOPS_BOT_KUBECTL"] = "/nonexistent"
    for n in args.repos:
        data = args.cache.resolve() / f"registry-{n}x{args.tags}"
        with RegistryProcess(data, env=REGISTRY_ENV) as reg:
            if not (data / "seeded").exists():
                seed(reg, n, args.tags)
                (data / "seeded").touch()
            with DelayRelay(reg.host, args.rtt / 2) as relay, tempfile.TemporaryDirectory() as work:
                repo = Path(work) / "gitops"
                write_repo(repo, relay.host, n)
                results: dict[str, list[tuple[float, float]]] = {t: [] for t in exes}
                for run in range(args.runs):
                    for tree, exe in exes.items():
                        started = time.monotonic()
                        done = run_child([str(exe), "plan", "--repo", str(repo), "--output", "json"], env)
                        wall = time.monotonic() - started
                        if done.returncode != 0:
                            print(done.stderr[-2000:], file=sys.stderr)
                            return 1
                        results[tree].append((wall, done.cpu))
                        print(f"N={n} {tree} run {run + 1}: wall {wall:.3f} s, CPU {done.cpu:.3f} s")
                print(
                    f"\nN={n}, {args.rtt * 1000:.0f} ms RTT, medians of {args.runs} interleaved runs, "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
                print("| tree | wall | CPU | CPU a request |")
                print("| --- | --- | --- | --- |")
                for tree, rows in results.items():
                    wall = statistics.median(r[0] for r in rows)
                    cpu = statistics.median(r[1] for r in rows)
                    print(f"| {tree} | {wall:.3f} s | {cpu:.3f} s | {cpu / (2 * n) * 1000:.2f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
