"""Benchmark reading a large classic chart repository's ``index.yaml``: one chart's versions out
of an index of ``--charts`` charts x ``--versions`` versions (about 100 bytes of metadata a
version beyond the version itself, as public indexes carry), by helm's layout (lines) and by
YAML events (any other layout), with the peak memory each adds.

    .venv/bin/python bench/chart_index_bench.py --charts 300 --versions 200

``--scaling`` prints instead a table of time against size for hostile indexes (one chart key
repeated, an index of many one-version charts, each by lines and by YAML events): the time per
megabyte stays flat as the size grows, where a reader that merges repeats grows with the square.

    .venv/bin/python bench/chart_index_bench.py --scaling
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import yaml

from gitops_bot.registry import chart_index

ENTRY = """  - apiVersion: v2
    appVersion: 1.{v}.0
    created: "2024-09-25T12:07:04.010657653+03:00"
    dependencies:
    - name: common
      repository: oci://registry-1.docker.io/bitnamicharts
      version: 2.x.x
    description: A chart of the benchmark, described at the length public charts are
    digest: c750c1d4a7606a06cd89ae4433431c7e3ecf2ccc9a0e5f6baa26095397bd72da
    home: https://github.com/example/chart{c}
    maintainers:
    - email: maintainer@example.com
      name: maintainer
    name: chart{c}
    urls:
    - https://charts.example.com/chart{c}-1.{v}.0.tgz
    version: 1.{v}.0
"""


def index(n_charts: int, n_versions: int) -> bytes:
    parts = ["apiVersion: v1\nentries:\n"]
    for c in range(n_charts):
        parts.append(f"  chart{c}:\n")
        parts.extend(ENTRY.format(c=c, v=v) for v in range(n_versions))
    parts.append("generated: x\n")
    return "".join(parts).encode()


def measure(label: str, read: object, raw: bytes) -> None:
    assert callable(read)
    started = time.perf_counter()
    found = read(raw)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    read(raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    versions = sum(len(v) for v in found.values())
    print(f"{label:8} {seconds:6.2f} s  {peak / 1e6:6.1f} MB peak  {versions} versions")


def repeated(n: int, flow: bool) -> bytes:
    """One chart key named ``n`` times (refused at the second name)."""
    if flow:
        return ("entries: {" + ", ".join(["app: [{version: 1.0.0}]"] * n) + "}\n").encode()
    return ("apiVersion: v1\nentries:\n" + "  app:\n  - name: app\n    version: 1.0.0\n" * n).encode()


def many_charts(n: int, flow: bool) -> bytes:
    """``n`` charts of one version each (read whole, or refused past the version cap)."""
    if flow:
        return ("entries: {" + ", ".join(f"c{i}: [{{version: 1.0.0}}]" for i in range(n)) + "}\n").encode()
    charts = "".join(f"  c{i}:\n  - version: 1.0.0\n" for i in range(n))
    return ("apiVersion: v1\nentries:\n" + charts).encode()


def scaling() -> None:
    print(f"{'index':24} {'size':>9} {'seconds':>8} {'s/MB':>6}  outcome")
    for label, make in (("repeated key", repeated), ("one-version charts", many_charts)):
        for flow in (False, True):
            for n in (25_000, 50_000, 100_000, 200_000, 400_000):
                raw = make(n, flow)
                started = time.perf_counter()
                try:
                    found = chart_index.index_versions(raw)
                    outcome = f"{sum(len(v) for v in found.values())} versions"
                except ValueError as exc:
                    outcome = str(exc)[:48]
                seconds = time.perf_counter() - started
                name = f"{label} ({'flow' if flow else 'helm'})"
                mb = len(raw) / 1e6
                print(f"{name:24} {mb:7.1f}MB {seconds:8.3f} {seconds / mb:6.3f}  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charts", type=int, default=300)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--events", action="store_true", help="also time the YAML-events reader (slow)")
    parser.add_argument("--scaling", action="store_true", help="time against size of hostile indexes")
    args = parser.parse_args()
    if args.scaling:
        scaling()
        return
    raw = index(args.charts, args.versions)
    print(f"index.yaml: {len(raw) / 1e6:.1f} MB, {args.charts} charts x {args.versions} versions")
    measure("lines", chart_index._helm_layout, raw)
    if args.events:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        measure("events", lambda r: chart_index._entries(iter(yaml.parse(r, Loader=loader))), raw)


if __name__ == "__main__":
    main()
