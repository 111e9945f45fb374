"""What holding the reading to kubectl kustomize costs a plan: a 20-environment repository
(a base Deployment and 20 overlays, each pinning the image in its own ``images:`` entry)
planned against a real local registry with kubectl found (the renders' cache cold, then warm:
a re-run over the unchanged tree renders nothing) and with none (the rules' reading alone),
interleaved, each run's wall, CPU and kubectl runs (with their own CPU, through
``bench/kubectl_cpu.py``'s wrapper) printed, then the medians and the ratios.

    .venv/bin/python bench/reading_render_bench.py --envs 20 --runs 5
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
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))
    exe = str(Path(sys.executable).with_name("gitops-bot"))
    walls: dict[str, list[float]] = {"rules": [], "render-cold": [], "render-warm": []}
    with RegistryProcess(work / "registry") as reg:
        p = Pusher.to(reg.url)
        p.image("bench/app", ["1.0.0", "1.1.0"], salt="x")
        p.close()
        write_repo(work / "gitops", reg.host, args.envs)
        cmd = [exe, "plan", "--repo", str(work / "gitops"), "--output", "json"]
        (work / "tools").mkdir()
        wrapper, log = write_wrapper(work / "tools", kubectl())
        for run in range(args.runs):
            cache = work / f"cache-{run}"
            for label, tool in (
                ("rules", str(work / "no-kubectl")),
                ("render-cold", str(wrapper)),
                ("render-warm", str(wrapper)),
            ):
                env = {**os.environ, "GITOPS_BOT_KUBECTL": tool, "GITOPS_BOT_CACHE": str(cache)}
                t0 = time.monotonic()
                proc = run_child(cmd, env)
                wall = time.monotonic() - t0
                if proc.returncode != 0:
                    print(proc.stderr, file=sys.stderr)
                    return 1
                walls[label].append(wall)
                runs = take(log)
                print(
                    f"run {run + 1} {label}: wall {wall:.2f} s, CPU {proc.cpu:.2f} s, "
                    f"{runs.calls} kubectl runs ({runs.kubectl:.2f} s CPU), load {os.getloadavg()[0]:.1f}"
                )
            shutil.rmtree(cache, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    print(
        f"median wall: rules {med['rules']:.2f} s, render cold {med['render-cold']:.2f} s "
        f"({med['render-cold'] / med['rules']:.2f}x), render warm {med['render-warm']:.2f} s "
        f"({med['render-warm'] / med['rules']:.2f}x); {args.envs} environments"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
