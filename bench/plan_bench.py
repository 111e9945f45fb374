"""Benchmark `gitops-bot plan` against a real local registry.

Seeds a distribution registry with N repositories of M semver tags, writes one overlay that
references all N (each deployed at the oldest tag), then runs ``gitops-bot plan`` as a
subprocess and prints: registry requests made, wall time, peak RSS.

Budget (issue 2): N=200 under 1.5 s; N=1000 under 5 s and 150 MB; requests at most one tags
page per repository plus one HEAD per chosen tag (2N here).

    .venv/bin/python bench/plan_bench.py --repos 200 --tags 20
    .venv/bin/python bench/plan_bench.py --repos 1000 --tags 20
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
        exe = str(Path(sys.executable).with_name("gitops-bot"))
        best = None
        for run in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.monotonic()
            proc = subprocess.run(
                [
                    exe,
                    "plan",
                    "--repo",
                    str(work / "gitops"),
                    "--output",
                    "json",
                    "-v",
                    "--log-format",
                    "json",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.monotonic() - t0
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            done = next(json.loads(ln) for ln in proc.stderr.splitlines() if '"plan_done"' in ln)
            plan = json.loads(proc.stdout)
            assert plan["summary"]["updates"] == args.repos, plan["summary"]
            print(
                f"run {run + 1}: wall {wall:.2f} s (plan {done['seconds']:.2f} s inside), "
                f"requests {done['registry_requests']} {done['by_status']}, "
                f"peak RSS {rss_mb:.0f} MB{' (max so far)' if rss_mb > before / 1024 else ''}"
            )
            best = wall if best is None else min(best, wall)
        budget_wall = 1.5 if args.repos <= 200 else 5.0
        budget_req = 2 * args.repos
        print(
            f"best wall {best:.2f} s (budget {budget_wall} s), requests budget {budget_req}, "
            f"RSS budget 150 MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
