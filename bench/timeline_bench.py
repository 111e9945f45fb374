"""Where a plan's wall goes: a timeline of ``plan --output json`` at N images, beside other trees.

The setting of ``bench/renovate_bench.py`` (the real registry behind the delay relay, ``--rtt``
42 ms by default, one overlay deploying N images at their oldest tag, a git repository, the
bot's defaults), run through ``bench/timeline_probe.py`` in each tree's product as installed
(``bench/product.py`` of that tree, built in that tree's ``.bench``): ``--tree old=/work/wt/x``
adds a tree beside this one. Runs are interleaved (this tree, each other tree, again), and each
run's figures are printed, then the medians:

- start-up: the interpreter up (``main``), the configuration and the overlay opened, the first
  request sent; CPU spent by the first request;
- the requests: how many, connections opened, child processes started (git), most in flight
  at once, when the last tag list and the last manifest were read, each kind's median time
  from send to body closed, and the median wait between a tag list read and that
  repository's manifest request;
- the end: the output's first write, the exit; the whole CPU (children included) and wall.

``--slots``: for the last run of each tree, requests sent / answered in each slot of one RTT.

    .venv/bin/python bench/timeline_bench.py --repos 200 --runs 5 --tree old=/work/wt/perf-old
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import product
from latency_bench import REGISTRY_ENV
from measure import run_child
from plan_bench import seed
from renovate_bench import LoggedRegistry, repository

from testkit.relay import DelayRelay

PROBE = Path(__file__).with_name("timeline_probe.py")
_BUILD = (
    "import sys; from pathlib import Path; sys.path[:0] = ['bench', '.']; import product; "
    "print(product.product(Path('.bench'), say=lambda s: None))"
)


def tree_product(root: Path) -> Path:
    """The product as installed of the tree at ``root``, built by that tree's own bench."""
    if root.resolve() == product.ROOT:
        return product.product(Path(".bench"))
    done = subprocess.run(
        [str(root / ".venv/bin/python"), "-c", _BUILD], cwd=root, capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


def _target(event: list[Any]) -> str:
    return str(event[3]).split(" ", 1)[1]


def summary(events: list[list[Any]]) -> dict[str, float]:
    """The figures of one run's timeline (seconds since its interpreter started)."""
    at: dict[str, list[list[Any]]] = {}
    for e in events:
        at.setdefault(e[0], []).append(e)
    sends = at.get("send", [])
    closes = {e[3]: e for e in at.get("closed", [])}
    tags = [e for e in sends if "/tags/list" in e[3]]
    manifests = [e for e in sends if "/manifests/" in e[3]]

    def spent(kind: list[list[Any]]) -> float:
        ds = [closes[_target(e)][1] - e[1] for e in kind if _target(e) in closes]
        return statistics.median(ds) if ds else 0.0

    def last(kind: list[list[Any]]) -> float:
        return max((closes[_target(e)][1] for e in kind if _target(e) in closes), default=0.0)

    waits = []
    for e in manifests:
        repo = _target(e).split("/manifests/")[0]
        listed = next((c for t, c in closes.items() if t.startswith(f"{repo}/tags/list")), None)
        if listed is not None:
            waits.append(e[1] - listed[1])
    inflight = peak = 0
    for e in sorted(sends + list(closes.values()), key=lambda e: e[1]):
        inflight += 1 if e[0] == "send" else -1
        peak = max(peak, inflight)
    opens = at.get("open", [])
    return {
        "main": at["main"][0][1],
        "config": opens[0][1] if opens else 0.0,
        "overlay read": next((e[1] for e in opens if "kustomization" in e[3]), 0.0),
        "first send": sends[0][1] if sends else 0.0,
        "CPU at first send": sends[0][2] if sends else 0.0,
        "requests": len(sends),
        "connections": len(at.get("connect", [])),
        "processes started": len(at.get("spawn", [])),
        "peak in flight": peak,
        "last tags": last(tags),
        "last manifest": last(manifests),
        "tags each": spent(tags),
        "manifest each": spent(manifests),
        "tags→manifest wait": statistics.median(waits) if waits else 0.0,
        "output": at["output"][0][1] if "output" in at else 0.0,
        "exit": at["exit"][0][1],
        "CPU at exit": at["exit"][0][2],
    }


def slots(events: list[list[Any]], rtt: float) -> str:
    sends = [e[1] for e in events if e[0] == "send"]
    closes = [e[1] for e in events if e[0] == "closed"]
    if not sends:
        return "no requests"
    start = min(sends)
    n = int((max(closes + sends) - start) / rtt) + 1
    rows = []
    for i in range(n):
        lo, hi = start + i * rtt, start + (i + 1) * rtt
        s = sum(lo <= t < hi for t in sends)
        c = sum(lo <= t < hi for t in closes)
        rows.append(f"  {lo:6.3f} s  sent {s:3d}  answered {c:3d}")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rtt", type=float, default=0.042)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    ap.add_argument("--tree", action="append", default=[], help="name=path of another tree")
    ap.add_argument("--slots", action="store_true")
    args = ap.parse_args()
    trees = {"this tree": product.ROOT} | {t.split("=", 1)[0]: Path(t.split("=", 1)[1]) for t in args.tree}
    exes = {name: tree_product(root) for name, root in trees.items()}
    env = product.installed_env()
    env["PATH"] = f"{product.ROOT / '.tools/bin'}{os.pathsep}{env['PATH']}"
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    timelines: dict[str, list[list[Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as tmp:
        work = Path(tmp)
        data = args.cache.resolve() / f"registry-{args.repos}x{args.tags}"
        fresh = not (data / "seeded").exists()
        with LoggedRegistry(data, env=REGISTRY_ENV) as reg:
            if fresh:
                seed(reg, args.repos, args.tags)
                (data / "seeded").touch()
            with DelayRelay(reg.host, args.rtt / 2) as relay:
                repo = work / "gitops"
                repository(repo, relay.host, args.repos)
                for run in range(args.runs):
                    for name, exe in exes.items():
                        out = work / f"{run}.json"
                        python = str(exe.with_name("python"))
                        cmd = [python, str(PROBE), "plan", "--repo", str(repo), "--output", "json"]
                        before = reg.served()
                        started = time.monotonic()
                        done = run_child(cmd, {**env, "TIMELINE_OUT": str(out)})
                        wall = time.monotonic() - started
                        if done.returncode not in (0, 1) or not out.exists():
                            print(done.stderr[-2000:], file=sys.stderr)
                            return 1
                        events = json.loads(out.read_text())
                        f = summary(events) | {"wall": wall, "CPU": done.cpu, "served": reg.served() - before}
                        figures[name].append(f)
                        timelines[name] = events
                        print(f"{name} run {run + 1}: " + _line(f) + f", load {os.getloadavg()[0]:.1f}")
    print()
    print(f"medians of {args.runs} interleaved runs, N={args.repos}, {args.rtt * 1000:.0f} ms RTT")
    keys = list(next(iter(figures.values()))[0])
    print("| figure | " + " | ".join(figures) + " |")
    print("| --- |" + " --- |" * len(figures))
    for k in keys:
        cells = [statistics.median(f[k] for f in runs) for runs in figures.values()]
        print(f"| {k} | " + " | ".join(_fmt(k, c) for c in cells) + " |")
    if args.slots:
        for name, events in timelines.items():
            print(f"\n{name}, last run, per {args.rtt * 1000:.0f} ms slot:\n{slots(events, args.rtt)}")
    return 0


def _fmt(key: str, value: float) -> str:
    counts = ("requests", "connections", "processes started", "peak in flight", "served")
    return f"{value:.0f}" if key in counts else f"{value:.3f}"


def _line(f: dict[str, float]) -> str:
    return ", ".join(f"{k} {_fmt(k, v)}" for k, v in f.items())


if __name__ == "__main__":
    raise SystemExit(main())
