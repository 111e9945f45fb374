"""A plan counted in instructions, beside other trees: the figure the load does not move.

On the shared machine a plan's CPU seconds move by a third from run to run with the load; the
instructions its interpreter runs do not. Each tree's product as installed (``bench/product.py``
of that tree) runs ``plan --output json`` of N images (the setting of ``bench/renovate_bench.py``:
one overlay in a git repository, the real registry on loopback, no delay) under ``valgrind
--tool=callgrind``, once stopped at its first request (an audit hook, not in the product) and
once whole. Each run's counts are printed, with how many value types (dataclasses) the plan made
and how many ``exec`` the making ran.

    .venv/bin/python bench/instructions_bench.py --repos 1 200 --tree old=/work/wt/perf-old

With ``--envs N``, instead: ``bench/reading_render_bench.py``'s repository of N overlays, planned
whole with no kubectl (the rules' reading) and with kubectl and the render cache cold; kubectl's
own instructions are not counted (callgrind follows no child), so the render's figure is the
bot's own Python around its kubectl runs.

    .venv/bin/python bench/instructions_bench.py --envs 20 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import product
from latency_bench import REGISTRY_ENV
from plan_bench import seed
from reading_render_bench import write_repo
from renovate_bench import LoggedRegistry, repository
from timeline_bench import tree_product

from testkit.kubetools import kubectl
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

# the probe: count the value types made and the execs that made them, and stop at the first
# request when asked (FIRST_REQUEST=1)
_PROBE = r"""
import os, sys
made = [0, 0]
def hook(event, args):
    if event == "exec":
        made[1] += 1
    elif event == "socket.connect" and os.environ.get("FIRST_REQUEST"):
        said()
        os._exit(0)
sys.addaudithook(hook)
import dataclasses
_process = dataclasses._process_class
def counted(cls, *a, **k):
    made[0] += 1
    return _process(cls, *a, **k)
dataclasses._process_class = counted
import atexit
def said():
    print(f"made {made[0]} {made[1]} {len(sys.modules)}", file=sys.__stderr__, flush=True)
atexit.register(said)
import runpy
runpy.run_module("gitops_bot", run_name="__main__")
"""
_COLLECTED = re.compile(r"Collected : (\d+)")


def count(
    python: str, argv: list[str], env: dict[str, str], cwd: Path, first: bool, out: Path
) -> tuple[int, str]:
    """(instructions, the probe's line) of one run under callgrind."""
    run_env = {**env, "FIRST_REQUEST": "1"} if first else dict(env)
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-c", _PROBE, *argv]
    done = subprocess.run(cmd, env=run_env, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    found = _COLLECTED.findall(done.stderr)
    made = [ln for ln in done.stderr.splitlines() if ln.startswith("made ")]
    if not found or not made:
        raise SystemExit(f"no count: {done.stderr[-1500:]}")
    return int(found[-1]), made[-1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, nargs="+", default=[1, 200])
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    ap.add_argument("--tree", action="append", default=[], help="name=path of another tree")
    ap.add_argument("--first-only", action="store_true", help="only to the first request")
    ap.add_argument("--envs", type=int, default=0, help="N overlays planned with and without kubectl")
    args = ap.parse_args()
    trees = {"this tree": product.ROOT} | {t.split("=", 1)[0]: Path(t.split("=", 1)[1]) for t in args.tree}
    pythons = {name: str(tree_product(root).with_name("python")) for name, root in trees.items()}
    env = product.installed_env()
    env["PATH"] = f"{product.ROOT / '.tools/bin'}{os.pathsep}{env['PATH']}"
    if args.envs:
        return overlays(pythons, env, args.envs, args.runs)
    with tempfile.TemporaryDirectory(prefix="instructions-bench-") as tmp:
        for n in args.repos:
            data = args.cache.resolve() / f"registry-{n}x{args.tags}"
            fresh = not (data / "seeded").exists()
            with LoggedRegistry(data, env=REGISTRY_ENV) as reg:
                if fresh:
                    seed(reg, n, args.tags)
                    (data / "seeded").touch()
                repo = Path(tmp) / f"gitops-{n}"
                repository(repo, reg.host, n)
                argv = ["plan", "--repo", str(repo), "--output", "json"]
                for python in pythons.values():  # compiled once, as an installed product is
                    subprocess.run(
                        [python, "-c", _PROBE, *argv], env=env, cwd=repo, capture_output=True, check=False
                    )
                for run in range(args.runs):
                    for name, python in pythons.items():
                        kinds = [True] if args.first_only else [True, False]
                        for first in kinds:
                            out = Path(tmp) / f"cg-{n}-{run}-{first}"
                            instr, made = count(python, argv, env, repo, first, out)
                            _, types, execs, modules = made.split()
                            what = "first request" if first else "whole plan"
                            print(
                                f"N={n} {name} run {run + 1}, {what}: {instr / 1e9:.3f} G instructions, "
                                f"{types} value types made, {execs} exec, {modules} modules, "
                                f"load {os.getloadavg()[0]:.1f}",
                                flush=True,
                            )
    return 0


def overlays(pythons: dict[str, str], env: dict[str, str], envs: int, runs: int) -> int:
    """The ``--envs`` case: each run's whole plan, rules then render with a cold cache."""
    with (
        tempfile.TemporaryDirectory(prefix="instructions-bench-") as tmp,
        RegistryProcess(Path(tmp) / "registry") as reg,
    ):
        p = Pusher.to(reg.url)
        p.image("bench/app", ["1.0.0", "1.1.0"], salt="x")
        p.close()
        repo = Path(tmp) / "gitops"
        write_repo(repo, reg.host, envs)
        argv = ["plan", "--repo", str(repo), "--output", "json"]
        for python in pythons.values():  # compiled once, as an installed product is
            subprocess.run([python, "-c", _PROBE, *argv], env=env, cwd=repo, capture_output=True, check=False)
        for run in range(runs):
            for name, python in pythons.items():
                for label, tool in (("rules", str(Path(tmp) / "no-kubectl")), ("render cold", kubectl())):
                    cache = Path(tmp) / f"cache-{run}-{name}-{label}"
                    run_env = {**env, "GITOPS_BOT_KUBECTL": tool, "GITOPS_BOT_CACHE": str(cache)}
                    out = Path(tmp) / f"cg-{run}-{label}"
                    instr, made = count(python, argv, run_env, repo, False, out)
                    print(
                        f"{envs} envs {name} run {run + 1}, {label}: {instr / 1e9:.3f} G instructions, "
                        f"{made.split()[1]} value types made, load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
