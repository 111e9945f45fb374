"""`update` of one environment with kubectl on PATH (defaults: the rendered diff in the pull
request, within its budget) beside the same run without kubectl, at a real round-trip time.

One environment whose overlay lists N images (`images:` entries) over N Deployments, every image
with a newer tag in the registry behind the 40 ms relay, so the run opens one pull request with
N changes (the local GitHub server). Each run starts from a fresh remote, forge and render cache
(nothing kept from an earlier run), in this process (start-up excluded: the ratio is stricter
for it); runs interleaved, medians. The goal: with kubectl at most 1.5x the run without.

    .venv/bin/python bench/render_update_bench.py --images 1000 150 --runs 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gitops_bot.commands.update import Updater
from gitops_bot.core import log
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay

ENV = {
    "GIT_AUTHOR_NAME": "dev",
    "GIT_AUTHOR_EMAIL": "d@x",
    "GIT_COMMITTER_NAME": "dev",
    "GIT_COMMITTER_EMAIL": "d@x",
}


def seed(reg: RegistryProcess, n: int) -> None:
    def one(i: int) -> None:
        p = Pusher.to(reg.url)
        p.image(f"bench/app{i:04d}", ["1.0.0", "1.1.0"], salt=str(i))
        p.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(n)))


def remote_with(root: Path, host: str, n: int, api: str) -> Path:
    remote, work = root / "remote.git", root / "seed"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    (work / "overlays/prod").mkdir(parents=True)
    images = "".join(f"  - name: app{i:04d}\n    repository: {host}/bench/app{i:04d}\n" for i in range(n))
    (work / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n{images}environments:\n  - name: prod\n    path: overlays/prod\n"
        f"github:\n  repository: acme/gitops\n  api_url: {api}\n  write_interval: 0\n"
    )
    entries = "".join(
        f"- name: app{i:04d}\n  newName: {host}/bench/app{i:04d}\n  newTag: 1.0.0\n" for i in range(n)
    )
    (work / "overlays/prod/kustomization.yaml").write_text(
        f"resources:\n- deployments.yaml\nimages:\n{entries}"
    )
    deployments = "".join(
        f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i:04d}\nspec:\n"
        f"  selector:\n    matchLabels:\n      app: app{i:04d}\n  template:\n    metadata:\n"
        f"      labels:\n        app: app{i:04d}\n    spec:\n      containers:\n      - name: app\n"
        f"        image: app{i:04d}\n"
        for i in range(n)
    )
    (work / "overlays/prod/deployments.yaml").write_text(deployments)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["commit", "-qm", "initial"],
        ["push", "-q", str(remote), "main"],
    ):
        subprocess.run(
            ["git", "-C", str(work), *args], check=True, env={**os.environ, **ENV}, capture_output=True
        )
    return remote


def one_run(root: Path, host: str, n: int, kubectl: bool) -> tuple[float, str]:
    """Wall seconds of a first `update` (clone, plan, edits, render or not, push, one PR) and the
    PR body's rendered-diff summary line."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=root))
    try:
        with FakeGitHub("acme/gitops", work / "remote.git") as gh:
            remote = remote_with(work, host, n, gh.url)
            environ = {**os.environ, "GITHUB_TOKEN": gh.token, "GITOPS_BOT_CACHE": str(work / "cache")}
            # the tools are found as the process's environment says (not a fleet's secrets view)
            os.environ.pop("GITOPS_BOT_KUBECTL", None)
            if not kubectl:
                os.environ["GITOPS_BOT_KUBECTL"] = "/nonexistent"
            t0 = time.monotonic()
            out = Updater(f"file://{remote}", environ=environ).run()
            wall = time.monotonic() - t0
            os.environ.pop("GITOPS_BOT_KUBECTL", None)
            assert [o.action.value for o in out] == ["pull_request"], out
            body = gh.pulls[0]["body"]
            said = next((ln for ln in body.splitlines() if "Rendered diff" in ln or "not rendered" in ln), "")
            return wall, said
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, nargs="+", default=[1000, 150])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rtt", type=float, default=0.040)
    args = ap.parse_args()
    log.configure("warning")
    kubectl = shutil.which("kubectl")
    print(
        f"kubectl: {kubectl}; {os.cpu_count()} CPUs; {args.rtt * 1000:.0f} ms RTT; runs interleaved, medians"
    )
    rows = []
    for n in args.images:
        root = Path(tempfile.mkdtemp(prefix=f"gitops-bot-render-update-{n}-"))
        with RegistryProcess(root / "registry") as reg:
            seed(reg, n)
            with DelayRelay(reg.host, args.rtt / 2) as relay:
                walls: dict[bool, list[float]] = {True: [], False: []}
                said = ""
                for _ in range(args.runs):
                    for with_kubectl in (True, False):
                        wall, line = one_run(root, relay.host, n, with_kubectl)
                        walls[with_kubectl].append(wall)
                        said = line if with_kubectl else said
                        print(
                            f"N={n} {'kubectl' if with_kubectl else 'no kubectl'}: {wall:.2f} s  {line[:120]}"
                        )
        on, off = statistics.median(walls[True]), statistics.median(walls[False])
        rows.append((n, on, off, said))
        shutil.rmtree(root, ignore_errors=True)
    print("| images | update, kubectl on PATH | update, no kubectl | ratio | the PR's rendered diff |")
    print("| --- | --- | --- | --- | --- |")
    for n, on, off, said in rows:
        print(f"| {n} | {on:.2f} s | {off:.2f} s | {on / off:.2f}x | {said[:100]} |")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
