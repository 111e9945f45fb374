"""`gitops-bot plan` at a real registry's round-trip time, with default settings.

A delay relay (testkit.relay.DelayRelay, ``--rtt`` split evenly each way) stands in front of
the real registry process, seeded with N repositories of M tags; the overlay deploys every
image at its oldest tag, so a plan lists each repository's tags and resolves one digest (two
requests an image). The configuration names no registry settings: what is measured is what a
user gets. Reported beside each run: the physical minimum, requests / in-flight x RTT (the
default ``max_concurrency``, 64 requests in flight per registry at most: the bot's window starts
at 32 and reaches it after a round trip, so the true floor is up to half a round trip more),
and CPU per request of the whole bot process
(start-up included) and its peak RSS. ``--proxy``: the same run again through an HTTP proxy
(testkit.connect_proxy) named in ``HTTP_PROXY``, placed before the delay as a corporate proxy
near the bot would be.

Also reported: the CPU the registry process and this process (the relay and the proxy) spent a
request. The minimum assumes a registry elsewhere; here the registry, the relay and the bot
share the machine's cores, so when their CPU a request, added up, approaches the cores' time a
request at the minimum (cores x RTT / in-flight: 1.25 ms on 2 cores at 40 ms and 64 in flight),
the wall is the machine's and no longer the bot's.

What runs is the product users install (bench/product.py): a venv under ``--cache`` holding
requirements.lock installed ``--no-deps --require-hashes``, then this tree's wheel, byte-compiled
as the Dockerfile does; built once, the package alone reinstalled when its sources change.
``--dev`` runs the dev venv's editable ``gitops-bot`` instead (its dev extras make httpx import
its command-line module, ~60 ms more start-up). Either runs in this environment less every
``PYTHON*`` variable (PYTHONDONTWRITEBYTECODE would have it compile its modules on each start).

The registry runs with ``GOGC=400``: the Go runtime's collector setting, as a registry operator
tunes it. It changes nothing the bot sees, only the registry's own CPU (here 1.7 ms a request
with the default GOGC=100, 1.0 ms at 400), and that CPU comes off the 2 cores the bot shares
with it, where a registry elsewhere would take none.

The CPU of the whole bot process counts its kubectl children (``plan --output json`` renders
the overlay for its rendered diff when kubectl is there); ``GITOPS_BOT_KUBECTL`` names a
``/bin/sh`` wrapper around the real kubectl (bench/kubectl_cpu.py) that logs what kubectl spent,
so the table splits the whole into the bot process's CPU a request and kubectl's CPU a run.

Goals (docs/performance.md): wall within 1.25x the minimum; 2 requests an image; CPU <= 1 ms a request;
RSS < 80 MB.

    .venv/bin/python bench/latency_bench.py --repos 1000 --tags 20 --proxy --without-kubectl --tls
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import kubectl_cpu
import product
from measure import measured, run_child
from plan_bench import seed

from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.render.settings import KUBECTL_ENV
from testkit import certs
from testkit.connect_proxy import ConnectProxy
from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay

IN_FLIGHT = RegistryConfig(host="x").max_concurrency  # the default
# the registry's Go collector at a quarter of its default frequency (see the docstring)
REGISTRY_ENV = {"GOGC": "400"}
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def write_repo(
    root: Path, host: str, repos: int, ca_file: Path | None = None, in_flight: int | None = None
) -> None:
    """A repository deploying N images at 1.0.0, with no registry settings at all (``ca_file``:
    the one a registry with a private CA needs; ``in_flight``: its ``max_concurrency``)."""
    (root / "overlays/bench").mkdir(parents=True)
    images = "".join(f"  - name: app{i:04d}\n    repository: {host}/bench/app{i:04d}\n" for i in range(repos))
    settings = (f"    ca_file: {ca_file}\n" if ca_file else "") + (
        f"    max_concurrency: {in_flight}\n" if in_flight is not None else ""
    )
    registries = f"registries:\n  {host}:\n{settings}" if settings else ""
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\n{registries}images:\n{images}environments:\n  - name: bench\n    path: overlays/bench\n"
    )
    entries = "".join(
        f"- name: app{i:04d}\n  newName: {host}/bench/app{i:04d}\n  newTag: 1.0.0\n" for i in range(repos)
    )
    (root / "overlays/bench/kustomization.yaml").write_text(f"resources: []\nimages:\n{entries}")


@dataclass(frozen=True)
class Child:
    """How one kind of run starts the bot: its command and environment, and the kubectl
    wrapper's log when kubectl runs through it."""

    cmd: list[str]
    env: dict[str, str]
    kubectl_log: Path | None = None


def runs(
    label: str, child: Child, count: int, repos: int, rtt: float, registry_pid: int
) -> dict[str, float | str]:
    walls: list[float] = []
    cpu: list[float] = []
    bot_cpu: list[float] = []  # the bot process's alone: its kubectl children's taken off
    kubectl: list[kubectl_cpu.KubectlCpu] = []
    rss: list[float] = []
    registry: list[float] = []
    others: list[float] = []  # the registry's and this process's (relay, proxy) CPU a request
    requests = 0
    for run in range(count):
        if child.kubectl_log:
            kubectl_cpu.take(child.kubectl_log)  # nothing from an earlier run
        with measured(registry_pid) as m:
            proc = run_child(child.cmd, child.env)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(1)
        done = next(json.loads(ln) for ln in proc.stderr.splitlines() if '"plan_done"' in ln)
        # the renders' wall (copying the repository, kubectl before and after), inside plan_done's
        render_wall = sum(
            float(json.loads(ln).get("seconds", 0)) for ln in proc.stderr.splitlines() if '"rendered"' in ln
        )
        plan = json.loads(proc.stdout)
        assert plan["summary"]["updates"] == repos, plan["summary"]
        requests = int(done["registry_requests"])
        k = kubectl_cpu.take(child.kubectl_log) if child.kubectl_log else kubectl_cpu.KubectlCpu()
        walls.append(m.wall)
        cpu.append(1000 * proc.cpu / requests)
        bot_cpu.append(1000 * (proc.cpu - k.wrapper) / requests)
        kubectl.append(k)
        rss.append(proc.peak_rss_mb)
        registry.append(1000 * m.registry_cpu / requests)
        others.append(1000 * (m.registry_cpu + m.own_cpu) / requests)
        print(
            f"{label} run {run + 1}: wall {m.wall:.2f} s (plan {float(done['seconds']):.2f} s, of which "
            f"rendering {render_wall:.2f} s), requests {requests} {done['by_status']}, "
            f"CPU {proc.cpu:.2f} s = {cpu[-1]:.2f} ms/request (bot process {bot_cpu[-1]:.2f} ms/request, "
            f"kubectl {k.kubectl:.2f} s in {k.calls} runs{_peak(k)}), peak RSS {proc.peak_rss_mb:.0f} MB; "
            f"registry CPU {m.registry_cpu:.2f} s = {registry[-1]:.2f} ms/request, "
            f"relay and proxy CPU {m.own_cpu:.2f} s, load average {os.getloadavg()[0]:.1f}"
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
        "bot_cpu_ms": statistics.median(bot_cpu),
        "kubectl": _kubectl_cell(kubectl),
        "rss": _rss_cell(max(rss), kubectl),
        "registry_ms": statistics.median(registry),
        "others_ms": statistics.median(others),
    }
    print(
        f"{label}: median wall {med:.2f} s vs minimum {minimum:.2f} s = {med / minimum:.2f}x (goal 1.25x); "
        f"{requests / repos:.1f} requests/image (goal 2); CPU {row['cpu_ms']:.2f} ms/request, "
        f"bot process {row['bot_cpu_ms']:.2f} ms/request (goal 1); peak RSS {max(rss):.0f} MB (goal 80)"
    )
    return row


def _rss_cell(peak: float, found: list[kubectl_cpu.KubectlCpu]) -> str:
    """The peak RSS the bot's rusage gave: the larger of its own and its children's, so named
    kubectl's when kubectl's own peak reached it."""
    kubectl = max((k.peak_rss_mb for k in found if k.peak_rss_mb is not None), default=None)
    return f"{peak:.0f} MB" + (
        " (kubectl's; the bot's own is not higher)" if kubectl is not None and kubectl >= peak else ""
    )


def _peak(k: kubectl_cpu.KubectlCpu) -> str:
    return f", its peak RSS {k.peak_rss_mb:.0f} MB" if k.peak_rss_mb is not None else ""


def _kubectl_cell(found: list[kubectl_cpu.KubectlCpu]) -> str:
    """kubectl's median CPU a run (and how many times it ran), or that it did not run."""
    if not any(k.calls for k in found):
        return "none"
    calls = sorted({k.calls for k in found})
    return f"{statistics.median(k.kubectl for k in found):.2f} s ({'/'.join(map(str, calls))} runs)"


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
    ap.add_argument(
        "--tls",
        action="store_true",
        help="also run against the registry over TLS (a private CA: the bot's one setting is ca_file)",
    )
    ap.add_argument(
        "--dev",
        action="store_true",
        help="run the dev venv's editable gitops-bot, not the product as installed (bench/product.py)",
    )
    ap.add_argument(
        "--cache", type=Path, default=Path(".bench"), help="keeps seeded registries and the product venv"
    )
    args = ap.parse_args()
    if args.dev:
        exe = Path(sys.executable).with_name("gitops-bot")
        running = f"the dev venv's editable install ({exe})"
    else:
        exe = product.product(args.cache)
        running = f"the product as installed: requirements.lock + wheel, byte-compiled ({exe})"
    loads = f"{os.getloadavg()[0]:.1f} at start"
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))
    data = args.cache.resolve() / f"registry-{args.repos}x{args.tags}"
    env = {k: v for k, v in product.installed_env().items() if k not in PROXY_VARIABLES}
    real_kubectl = kubectl_cpu.find_kubectl(product.ROOT)
    kubectl_log = None
    missing = str(work / "no-kubectl")  # a path that does not exist: the bot renders nothing
    if real_kubectl:
        wrapper, kubectl_log = kubectl_cpu.write_wrapper(work, real_kubectl)
        env[KUBECTL_ENV] = str(wrapper)
    else:
        print("no kubectl in .tools/bin or on PATH: every run is without the rendered diff")
        env[KUBECTL_ENV] = missing
    rows = []
    with RegistryProcess(data, env=REGISTRY_ENV) as reg:
        if not (data / "seeded").exists():
            seed(reg, args.repos, args.tags)
            (data / "seeded").touch()
        assert reg.proc is not None
        reg_pid = reg.proc.pid
        with DelayRelay(reg.host, args.rtt / 2) as relay:
            write_repo(work / "gitops", relay.host, args.repos)
            cmd = [
                str(exe),
                "plan",
                "--repo",
                str(work / "gitops"),
                "--output",
                "json",
                "-v",
                "--log-format",
                "json",
            ]
            direct = Child(cmd, env, kubectl_log)
            rows.append(runs("direct", direct, args.runs, args.repos, args.rtt, reg_pid))
            if args.without_kubectl:
                bare = Child(cmd, {**env, KUBECTL_ENV: missing})
                label = "direct, no kubectl (no rendered diff)"
                rows.append(runs(label, bare, args.runs, args.repos, args.rtt, reg_pid))
            if args.proxy:
                with ConnectProxy() as proxy:
                    proxied = Child(cmd, {**env, "HTTP_PROXY": proxy.url}, kubectl_log)
                    rows.append(runs("via HTTP proxy", proxied, args.runs, args.repos, args.rtt, reg_pid))
                    assert len(proxy.seen) >= int(rows[-1]["requests"]), "the proxy did not see the requests"
    if args.tls:
        ca_pair, ca_key, ca_cert = certs.make_ca()
        cert, key = certs.make_server_cert(ca_key, ca_cert).write(work, "registry")
        ca_file, _ = ca_pair.write(work, "ca")
        with (
            RegistryProcess(data, tls=(cert, key), env=REGISTRY_ENV) as reg,
            DelayRelay(reg.host, args.rtt / 2) as relay,
        ):
            assert reg.proc is not None
            write_repo(work / "gitops-tls", relay.host, args.repos, ca_file)
            tls_cmd = [str(work / "gitops-tls") if a == str(work / "gitops") else a for a in cmd]
            https = Child(tls_cmd, {**env, KUBECTL_ENV: missing})
            label = "https (TLS, private CA), no kubectl"
            rows.append(runs(label, https, args.runs, args.repos, args.rtt, reg.proc.pid))
    loads += f", {os.getloadavg()[0]:.1f} at the end"
    print()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average {loads}; "
        f"gitops-bot: {running}; registry with GOGC={REGISTRY_ENV['GOGC']}"
    )
    print(
        f"| run | wall | minimum ({IN_FLIGHT} in flight x {args.rtt * 1000:.0f} ms) | wall/min | requests "
        "(per image) | CPU/request | CPU/request (bot process) | kubectl CPU | peak RSS "
        "| registry CPU/request | registry + relay CPU/request |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['run']} | {r['wall']:.2f} s | {r['minimum']:.2f} s | {r['ratio']:.2f}x | "
            f"{r['requests']} ({r['per_image']:.1f}) | {r['cpu_ms']:.2f} ms | {r['bot_cpu_ms']:.2f} ms | "
            f"{r['kubectl']} | {r['rss']} | {r['registry_ms']:.2f} ms | {r['others_ms']:.2f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
