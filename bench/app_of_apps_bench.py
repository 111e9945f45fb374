"""What reading an app of apps costs: a repository whose root Application renders the chart
``apps/``, whose template yields one Application per environment (``--envs`` of them) over one
chart with a values file each; every environment's path is the root Application. Each run is a
child process reading every environment (``open_app(...).readings()``: the reading with the
yielded Applications followed, what runs rendered, the marked render) with helm and kubectl
from ``.tools/bin``, then with none (the rules' reading alone: the app of apps said, not
followed), interleaved, each run's wall and CPU printed, then the medians.

    .venv/bin/python bench/app_of_apps_bench.py --envs 20 --runs 3
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

from testkit import app_of_apps
from testkit.kubetools import helm, kubectl

IMAGE = "registry.example/acme/app"
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
CONFIG = """version: 1
images:
  - name: {image}
    helm: {{repository: image.repository, tag: image.tag}}
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
        "root.yaml": app_of_apps.root("apps"),
        **app_of_apps.chart([{"name": n, "path": "chart", "values": f"values-{n}.yaml"} for n in names]),
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/templates/deployment.yaml": TEMPLATE,
        "chart/values.yaml": f"image: {{repository: {IMAGE}, tag: 1.0.0}}\n",
        "gitops-bot.yaml": CONFIG.format(image=IMAGE)
        + "".join(f"  - name: {n}\n    path: root.yaml\n" for n in names),
        **{f"chart/values-{n}.yaml": "image:\n  tag: 1.0.0\n" for n in names},
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
    parser.add_argument("--envs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="app-of-apps-bench-") as tmp:
        root = Path(tmp) / "repo"
        repository(root, args.envs)
        sides = {
            "tools": {"GITOPS_BOT_HELM": helm(), "GITOPS_BOT_KUBECTL": kubectl()},
            "rules": {"GITOPS_BOT_HELM": "/nonexistent/helm", "GITOPS_BOT_KUBECTL": "/nonexistent/kubectl"},
        }
        got: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
        for run in range(args.runs):
            for side, tools in sides.items():
                # a cache of its own each run: every render is a cold one
                env = {**os.environ, **tools, "GITOPS_BOT_CACHE": str(Path(tmp) / f"cache-{side}-{run}")}
                start = time.monotonic()
                done = run_child([sys.executable, "-c", READ, str(root)], env)
                wall = time.monotonic() - start
                if done.returncode != 0:
                    sys.exit(f"{side} run {run} failed: {done.stderr.strip()}")
                got[side].append((wall, done.cpu))
                print(f"{side:5} run {run}: {wall:6.2f} s wall, {done.cpu:6.2f} s CPU, {done.stdout.strip()}")
        for side, runs in got.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"{side:5} median of {len(runs)}: {wall:.2f} s wall, {cpu:.2f} s CPU, {args.envs} envs")


if __name__ == "__main__":
    main()
