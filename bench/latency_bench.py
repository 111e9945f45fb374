"""`gitops-bot plan` at a real registry's round-trip time, with default settings.

A delay relay (testkit.relay.DelayRelay, ``--rtt`` split evenly each way) stands in front of
the real registry process, seeded with N repositories of M tags; the overlay deploys every
image at its oldest tag, so a plan lists each repository's tags and resolves one digest (two
requests an image). The configuration names no registry settings: what is measured is what a
user gets. Reported beside each run: the physical minimum, requests / in-flight x RTT (the
default 32 requests in flight per registry), and CPU per request of the whole bot process
(start-up included) and its peak RSS. ``--proxy``: the same run again through an HTTP proxy
(testkit.connect_proxy) named in ``HTTP_PROXY``, placed before the delay as a corporate proxy
near the bot would be.

Also reported: the CPU the registry process and this process (the relay and the proxy) spent a
request. The minimum assumes a registry elsewhere; here the registry, the relay and the bot
share the machine's cores, so when their CPU a request, added up, approaches the cores' time a
request at the minimum (cores x RTT / in-flight: 2.5 ms on 2 cores at 40 ms and 32 in flight),
the wall is the machine's and no longer the bot's.

Goals (docs/performance.md): wall within 1.25x the minimum; 2 requests an image; CPU <= 1 ms a request;
RSS < 80 MB.

    .venv/bin/python bench/latency_bench.py --repos 1000 --tags 20 --proxy --without-kubectl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from measure import measured, run_child
from plan_bench import seed

from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.render.tools import KUBECTL_ENV
from testkit.connect_proxy import ConnectProxy
from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay

IN_FLIGHT = RegistryConfig(host="x").max_concurrency  # the default


def write_repo(root: Path, host: str, repos: int) -> None:
    """A repository deploying N images at 1.0.0, with no registry settings at all."""
    (root / "overlays/bench").mkdir(parents=True)
    images = "".join(f"  - name: app{i:04d}\n    repository: {host}/bench/app{i:04d}\n" for i in range(repos))
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n{images}environments:\n  - name: bench\n    path: overlays/bench\n"
    )
    entries = "".join(
        f"- name: app{i:04d}\n  newName: {host}/bench/app{i:04d}\n  newTag: 1.0.0\n" for i in range(repos)
    )
    (root / "overlays/bench/kustomization.yaml").write_text(f"resources: []\nimages:\n{entries}")


def runs(
    label: str, cmd: list[str], count: int, repos: int, rtt: float, registry_pid: int
) -> dict[str, float | str]:
    walls: list[float] = []
    cpu: list[float] = []
    rss: list[float] = []
    others: list[float] = []  # the registry's and this process's (relay, proxy) CPU a request
    requests = 0
    for run in range(count):
        with measured(registry_pid) as m:
            proc = run_child(cmd)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(1)
        done = next(json.loads(ln) for ln in proc.stderr.splitlines() if '"plan_done"' in ln)
        plan = json.loads(proc.stdout)
        assert plan["summary"]["updates"] == repos, plan["summary"]
        requests = int(done["registry_requests"])
        walls.append(m.wall)
        cpu.append(1000 * proc.cpu / requests)
        rss.append(proc.peak_rss_mb)
        others.append(1000 * (m.registry_cpu + m.own_cpu) / requests)
        print(
            f"{label} run {run + 1}: wall {m.wall:.2f} s, requests {requests} {done['by_status']}, "
            f"CPU {proc.cpu:.2f} s = {cpu[-1]:.2f} ms/request, peak RSS {proc.peak_rss_mb:.0f} MB; "
            f"registry CPU {m.registry_cpu:.2f} s, relay and proxy CPU {m.own_cpu:.2f} s, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    minimum = requests / IN_FLIGHT * rtt
    med = statistics.median(walls)
    row: dict[str, float | str] = {
        "run": label,
        "wall": med,
        "minimum": minimum,
        "ratio": med / minimum,
        "requests": requests,
        "per_image": requests / repos,
        "cpu_ms": statistics.median(cpu),
        "rss": max(rss),
        "others_ms": statistics.median(others),
    }
    print(
        f"{label}: median wall {med:.2f} s vs minimum {minimum:.2f} s = {med / minimum:.2f}x (goal 1.25x); "
        f"{requests / repos:.1f} requests/image (goal 2); CPU {row['cpu_ms']:.2f} ms/request (goal 1); "
        f"peak RSS {max(rss):.0f} MB (goal 80)"
    )
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=1000)
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rtt", type=float, default=0.040, help="round-trip time, seconds")
    ap.add_argument("--proxy", action="store_true", help="also run through an HTTP proxy")
    ap.add_argument(
        "--without-kubectl",
        action="store_true",
        help="also run direct with no kubectl (no rendered diff in the JSON plan)",
    )
    ap.add_argument("--cache", type=Path, default=Path(".bench"), help="keeps seeded registries between runs")
    args = ap.parse_args()
    loads = f"{os.getloadavg()[0]:.1f} at start"
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))
    data = args.cache.resolve() / f"registry-{args.repos}x{args.tags}"
    rows = []
    with RegistryProcess(data) as reg:
        if not (data / "seeded").exists():
            seed(reg, args.repos, args.tags)
            (data / "seeded").touch()
        assert reg.proc is not None
        reg_pid = reg.proc.pid
        with DelayRelay(reg.host, args.rtt / 2) as relay:
            write_repo(work / "gitops", relay.host, args.repos)
            exe = str(Path(sys.executable).with_name("gitops-bot"))
            cmd = [
                exe,
                "plan",
                "--repo",
                str(work / "gitops"),
                "--output",
                "json",
                "-v",
                "--log-format",
                "json",
            ]
            for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
                os.environ.pop(name, None)
            rows.append(runs("direct", cmd, args.runs, args.repos, args.rtt, reg_pid))
            if args.without_kubectl:
                os.environ[KUBECTL_ENV] = str(work / "no-kubectl")  # a path that does not exist
                try:
                    rows.append(
                        runs(
                            "direct, no kubectl (no rendered diff)",
                            cmd,
                            args.runs,
                            args.repos,
                            args.rtt,
                            reg_pid,
                        )
                    )
                finally:
                    os.environ.pop(KUBECTL_ENV)
            if args.proxy:
                with ConnectProxy() as proxy:
                    os.environ["HTTP_PROXY"] = proxy.url
                    try:
                        rows.append(runs("via HTTP proxy", cmd, args.runs, args.repos, args.rtt, reg_pid))
                    finally:
                        os.environ.pop("HTTP_PROXY")
                    assert len(proxy.seen) >= rows[-1]["requests"], "the proxy did not see the requests"
    loads += f", {os.getloadavg()[0]:.1f} at the end"
    print()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average {loads}"
    )
    print(
        f"| run | wall | minimum ({IN_FLIGHT} in flight x {args.rtt * 1000:.0f} ms) | wall/min | requests "
        "(per image) | CPU/request | peak RSS | registry + relay CPU/request |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['run']} | {r['wall']:.2f} s | {r['minimum']:.2f} s | {r['ratio']:.2f}x | "
            f"{r['requests']} ({r['per_image']:.1f}) | {r['cpu_ms']:.2f} ms | {r['rss']:.0f} MB | "
            f"{r['others_ms']:.2f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
