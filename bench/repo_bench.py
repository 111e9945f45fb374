"""One command over a repository of your own, source trees side by side: each tree's product as
users install it (``bench/product.py``; another tree needs its own ``.venv``, see
``bench/timeline_bench.py``), runs interleaved (A, B, A, B ...), each run's wall, CPU (user +
system, children included) and peak RSS printed, then the medians, and whether every tree
answered the same (exit code and output). The repository and whatever it asks of the world (its
registry mirror, its remote) are the caller's; ``kubectl`` and ``helm`` from ``.tools/bin``.

    .venv/bin/python bench/repo_bench.py /tmp/before . --repo /tmp/ocm --runs 3
    .venv/bin/python bench/repo_bench.py /tmp/before . --repo /tmp/ocm --runs 3 --command 'update --dry-run'
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import product
from measure import run_child
from timeline_bench import tree_product


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", type=Path, nargs="+", help="source trees (each with its .venv)")
    ap.add_argument("--repo", type=Path, required=True, help="a clone the command runs in (--repo)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--command", default="plan", help="the gitops-bot command and its arguments")
    args = ap.parse_args()
    argv = shlex.split(args.command)
    env = product.installed_env()
    env["PATH"] = f"{product.ROOT / '.tools/bin'}{os.pathsep}{env['PATH']}"
    exes = {str(t): tree_product(t.resolve()) for t in args.trees}
    cmd = [*argv, "--repo", str(args.repo.resolve())]
    for exe in exes.values():  # the first run of each writes its caches (bytecode, renders)
        run_child([str(exe), *cmd], env)
    rows: dict[str, list[tuple[float, float, float]]] = {t: [] for t in exes}
    answers: dict[str, set[str]] = {t: set() for t in exes}
    for run in range(args.runs):
        for tree, exe in exes.items():
            t0 = time.perf_counter()
            done = run_child([str(exe), *cmd], env)
            wall = time.perf_counter() - t0
            rows[tree].append((wall, done.cpu, done.peak_rss_mb))
            answer = f"{done.returncode}\n{done.stdout}".encode()
            answers[tree].add(hashlib.sha256(answer).hexdigest()[:12])
            print(
                f"run {run + 1} {tree}: wall {wall:.2f} s, CPU {done.cpu:.2f} s, peak RSS "
                f"{done.peak_rss_mb:.0f} MB, exit {done.returncode}, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for tree, got in rows.items():
        walls, cpus, rss = zip(*got, strict=True)
        print(
            f"{tree}: median wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s, "
            f"peak RSS {statistics.median(rss):.0f} MB; answers {sorted(answers[tree])}"
        )
    same = len({a for got in answers.values() for a in got}) == 1
    print("every run answered the same" if same else "the answers differ: see each tree's output")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
