"""What rendering Argo CD Applications over a kustomization as Argo CD renders them costs a plan:
a repository of ``--envs`` environments, each an Application (``apps/ENV.yaml``) whose source
path is the one shared base (``base/``, a kustomization over a Deployment) and whose own
``kustomize.images`` entry pins the image; every environment's path is its Application. Each
run is a child process reading every environment (``open_app(...).readings()``: the reading,
what runs rendered, the marked render) with kubectl from ``.tools/bin``, then again over the
same cache (a repeat plan: renders kept by content), then with no kubectl (the rules alone),
interleaved, each run's wall and CPU printed, then the medians.

    .venv/bin/python bench/argo_kustomize_bench.py --envs 1,10,50 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import run_child

from testkit.kubetools import helm, kubectl

IMAGE = "registry.example/acme/app"
DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: {IMAGE}:1.0.0
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: app-{env}, namespace: argocd}}
spec:
  destination: {{server: https://kubernetes.default.svc, namespace: {env}}}
  source:
    repoURL: https://git.example/acme/gitops.git
    targetRevision: HEAD
    path: base
    kustomize:
      images:
        - {image}:1.0.{n}
"""
CONFIG = f"""version: 1
images:
  - name: {IMAGE}
environments:
"""
READ = """import sys
from pathlib import Path
from gitops_bot.engine.app import open_app
readings = open_app(Path(sys.argv[1])).readings()
print(sorted({r.images[0].status.value for r in readings.values()}))
"""


def repository(root: Path, envs: int) -> None:
    names = [f"e{i:02d}" for i in range(envs)]
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
        **{f"apps/{n}.yaml": APPLICATION.format(env=n, image=IMAGE, n=i) for i, n in enumerate(names)},
        "gitops-bot.yaml": CONFIG + "".join(f"  - name: {n}\n    path: apps/{n}.yaml\n" for n in names),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", default="1,10,50")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for envs in (int(n) for n in args.envs.split(",")):
        with tempfile.TemporaryDirectory(prefix="argo-kustomize-bench-") as tmp:
            root = Path(tmp) / "repo"
            repository(root, envs)
            tools = {"GITOPS_BOT_HELM": helm(), "GITOPS_BOT_KUBECTL": kubectl()}
            none = {"GITOPS_BOT_HELM": "/nonexistent/helm", "GITOPS_BOT_KUBECTL": "/nonexistent/kubectl"}
            got: dict[str, list[tuple[float, float]]] = {"cold": [], "repeat": [], "rules": []}
            for run in range(args.runs):
                cache = str(Path(tmp) / f"cache-{run}")  # a cache of its own each run: cold, then kept
                for side, env in (("cold", tools), ("repeat", tools), ("rules", none)):
                    own = cache + ("-rules" if side == "rules" else "")
                    child = {**os.environ, **env, "GITOPS_BOT_CACHE": own}
                    start = time.monotonic()
                    done = run_child([sys.executable, "-c", READ, str(root)], child)
                    wall = time.monotonic() - start
                    if done.returncode != 0:
                        sys.exit(f"{side} run {run} failed: {done.stderr.strip()}")
                    got[side].append((wall, done.cpu))
                    said = f"{wall:6.2f} s wall, {done.cpu:6.2f} s CPU, {done.stdout.strip()}"
                    print(f"{envs:3} envs {side:6} run {run}: {said}")
            for side, runs in got.items():
                wall = statistics.median(w for w, _ in runs)
                cpu = statistics.median(c for _, c in runs)
                print(f"{envs:3} envs {side:6} median of {len(runs)}: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
