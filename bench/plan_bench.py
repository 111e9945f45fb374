"""Benchmark `gitops-bot plan` against a real local registry.

Seeds a distribution registry with N repositories of M semver tags, writes one overlay that
references all N (each deployed at the oldest tag), then runs ``gitops-bot plan`` as a
subprocess and prints: registry requests made, wall time, peak RSS, and the CPU the bot and
the registry process each spent per image in the same run (the registry's read from
/proc/<pid>/stat before and after; the bot's peak RSS and CPU are its own, read by a small
reaper process, see ``measure.run_child``; wall time includes that reaper's ~20 ms start).

Budgets (issue 17): bot CPU per image at most half the registry's; N=1,000 under 3.5 s,
N=3,000 under 10 s; requests one tags page per repository plus one HEAD per chosen tag (2N
here); RSS under 80 MB at N=3,000.

    .venv/bin/python bench/plan_bench.py --repos 1000 --tags 20
    .venv/bin/python bench/plan_bench.py --repos 3000 --tags 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from measure import measured, run_child

from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


def seed(reg: RegistryProcess, repos: int, tags: int) -> None:
    def one(i: int) -> None:
        p = Pusher.to(reg.url)
        p.image(f"bench/app{i:04d}", [f"1.{t}.0" for t in range(tags)], salt=str(i))
        p.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(repos)))


def write_repo(root: Path, host: str, repos: int) -> None:
    (root / "overlays/bench").mkdir(parents=True)
    images = "".join(f"  - name: app{i:04d}\n    repository: {host}/bench/app{i:04d}\n" for i in range(repos))
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nregistries:\n  {host}:\n    max_concurrency: 16\nimages:\n{images}"
        "environments:\n  - name: bench\n    path: overlays/bench\n"
    )
    entries = "".join(
        f"- name: app{i:04d}\n  newName: {host}/bench/app{i:04d}\n  newTag: 1.0.0\n" for i in range(repos)
    )
    (root / "overlays/bench/kustomization.yaml").write_text(f"resources: []\nimages:\n{entries}")


def config_seconds(root: Path) -> float:
    from gitops_bot import config

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        config.load(root / "gitops-bot.yaml")
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=Path(".bench"), help="keeps seeded registries between runs")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))
    data = args.cache.resolve() / f"registry-{args.repos}x{args.tags}"
    with RegistryProcess(data) as reg:
        if not (data / "seeded").exists():
            t0 = time.monotonic()
            seed(reg, args.repos, args.tags)
            (data / "seeded").touch()
            print(f"seeded {args.repos} repositories x {args.tags} tags in {time.monotonic() - t0:.1f} s")
        write_repo(work / "gitops", reg.host, args.repos)
        print(f"config load (in process, best of 3): {config_seconds(work / 'gitops'):.3f} s")
        exe = str(Path(sys.executable).with_name("gitops-bot"))
        cmd = [exe, "plan", "--repo", str(work / "gitops"), "--output", "json", "-v", "--log-format", "json"]
        walls: list[float] = []
        bot: list[float] = []
        registry: list[float] = []
        rss: list[float] = []
        requests_ok = True
        for run in range(args.runs):
            with measured(reg.proc.pid if reg.proc else None) as m:
                proc = run_child(cmd)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            done = next(json.loads(ln) for ln in proc.stderr.splitlines() if '"plan_done"' in ln)
            plan = json.loads(proc.stdout)
            assert plan["summary"]["updates"] == args.repos, plan["summary"]
            n = args.repos
            print(
                f"run {run + 1}: wall {m.wall:.2f} s (plan {done['seconds']:.2f} s inside), "
                f"bot CPU {proc.cpu:.2f} s = {1000 * proc.cpu / n:.2f} ms/image, "
                f"registry CPU {m.registry_cpu:.2f} s = {1000 * m.registry_cpu / n:.2f} ms/image, "
                f"requests {done['registry_requests']} {done['by_status']}, "
                f"peak RSS {proc.peak_rss_mb:.0f} MB"
            )
            walls.append(m.wall)
            bot.append(1000 * proc.cpu / n)
            registry.append(1000 * m.registry_cpu / n)
            rss.append(proc.peak_rss_mb)
            requests_ok = requests_ok and done["registry_requests"] == 2 * n
        budget_wall = 3.5 if args.repos <= 1000 else 10.0
        ratio = statistics.median([b / r for b, r in zip(bot, registry, strict=True) if r] or [0.0])
        med = statistics.median
        print(
            f"median wall {med(walls):.2f} s, best {min(walls):.2f} s (budget {budget_wall} s); "
            f"median bot CPU {med(bot):.2f} ms/image vs registry {med(registry):.2f} = {ratio:.2f}x "
            f"(budget 0.5x); requests {'2N' if requests_ok else 'NOT 2N'} (budget 2N = {2 * args.repos}); "
            f"peak RSS {max(rss):.0f} MB (budget 80 MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
