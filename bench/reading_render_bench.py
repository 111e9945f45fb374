"""What holding the reading to kubectl kustomize costs a plan: a 20-environment repository
(a base Deployment and 20 overlays, each pinning the image in its own ``images:`` entry)
planned against a real local registry with kubectl found (the renders' cache cold, then warm:
a re-run over the unchanged tree renders nothing) and with none (the rules' reading alone),
interleaved, each run's wall, CPU and kubectl runs (with their own CPU, through
``bench/kubectl_cpu.py``'s wrapper) printed, then the medians and the ratios.

What runs is the product as installed (``bench/product.py``: byte-compiled, no ``PYTHON*``
variable), as the other benches run it: the dev venv under this machine's
PYTHONDONTWRITEBYTECODE compiles every module it imports on every start, and the renderer's
path imports a dozen modules the rules' does not, so its compiling was counted against it
(``--dev`` runs the dev venv all the same).

    .venv/bin/python bench/reading_render_bench.py --envs 20 --runs 5 [--tree before=DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import product
from kubectl_cpu import take, write_wrapper
from measure import run_child

from testkit.kubetools import kubectl
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: {host}/bench/app:1.0.0
"""


def write_repo(root: Path, host: str, envs: int) -> None:
    (root / "base").mkdir(parents=True)
    (root / "base/kustomization.yaml").write_text("resources:\n- deployment.yaml\n")
    (root / "base/deployment.yaml").write_text(DEPLOYMENT.format(host=host))
    listed = ""
    for i in range(envs):
        d = root / f"overlays/env{i:02d}"
        d.mkdir(parents=True)
        (d / "kustomization.yaml").write_text(
            f"resources:\n- ../../base\nimages:\n- name: {host}/bench/app\n  newTag: 1.0.0\n"
        )
        listed += f"  - name: env{i:02d}\n    path: overlays/env{i:02d}\n"
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n  - name: {host}/bench/app\nenvironments:\n{listed}"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--envs", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dev", action="store_true", help="run the dev venv's gitops-bot, not the product")
    ap.add_argument("--cache", type=Path, default=Path(".bench"), help="keeps the product venvs")
    ap.add_argument(
        "--tree", action="append", default=[], help="name=path: another tree's sources, run interleaved"
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))
    if args.dev:
        exes = {"this tree": str(Path(sys.executable).with_name("gitops-bot"))}
    else:
        exes = {"this tree": str(product.product(args.cache))}
        for t in args.tree:
            name, root = t.split("=", 1)
            exes[name] = str(product.product(args.cache / "trees" / name, root=Path(root).resolve()))
    base_env = dict(os.environ) if args.dev else product.installed_env()
    print(f"running {', '.join(f'{n}: {e}' for n, e in exes.items())}; load {os.getloadavg()[0]:.1f}")
    labels = ("rules", "render-cold", "render-warm")
    walls = {(n, k): list[float]() for n in exes for k in labels}
    cpus = {(n, k): list[float]() for n in exes for k in labels}
    with RegistryProcess(work / "registry") as reg:
        p = Pusher.to(reg.url)
        p.image("bench/app", ["1.0.0", "1.1.0"], salt="x")
        p.close()
        write_repo(work / "gitops", reg.host, args.envs)
        (work / "tools").mkdir()
        wrapper, log = write_wrapper(work / "tools", kubectl())
        for run in range(args.runs):
            for name, exe in exes.items():
                cmd = [exe, "plan", "--repo", str(work / "gitops"), "--output", "json"]
                cache = work / f"cache-{run}"
                for label in labels:
                    tool = str(work / "no-kubectl") if label == "rules" else str(wrapper)
                    env = {**base_env, "GITOPS_BOT_KUBECTL": tool, "GITOPS_BOT_CACHE": str(cache)}
                    t0 = time.monotonic()
                    proc = run_child(cmd, env)
                    wall = time.monotonic() - t0
                    if proc.returncode != 0:
                        print(proc.stderr, file=sys.stderr)
                        return 1
                    walls[name, label].append(wall)
                    cpus[name, label].append(proc.cpu)
                    runs = take(log)
                    print(
                        f"run {run + 1} {name} {label}: wall {wall:.2f} s, CPU {proc.cpu:.2f} s, "
                        f"{runs.calls} kubectl runs ({runs.kubectl:.2f} s CPU), "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
                shutil.rmtree(cache, ignore_errors=True)
    for name in exes:
        mw = {k: statistics.median(walls[name, k]) for k in labels}
        mc = {k: statistics.median(cpus[name, k]) for k in labels}
        said = [f"rules {mw['rules']:.2f} s ({mc['rules']:.2f} s)"] + [
            f"{k} {mw[k]:.2f} s ({mc[k]:.2f} s): {mw[k] / mw['rules']:.2f}x ({mc[k] / mc['rules']:.2f}x)"
            for k in labels[1:]
        ]
        print(f"{name}, median wall (CPU): {', '.join(said)}; {args.envs} environments")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
