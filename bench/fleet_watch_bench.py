"""A fleet ``watch`` over time: ``--repos`` repositories (bare git remotes on disk, each with its
own local GitHub API and a few hundred YAML files beside its two overlays) listed in a
``--repositories`` file with ``parallel: 4``, against the real registry on loopback. Nothing
changes in the registry or the repositories, so every cycle after the first is a cycle over an
unchanged fleet. The watch runs as its own process; at each of its ``cycle`` lines this prints
the process's resident memory, its own CPU and its children's (git, kustomize) since the
previous cycle, then the growth of RSS a cycle (least squares) over the last half of the run and
the CPU a cycle's median. ``--tracemalloc``: the process traces its allocations and prints, at
the end, the sites whose memory grew most since the warm-up (the first third of the run).

    nice -n 10 .venv/bin/python bench/fleet_watch_bench.py --minutes 3          # a quick look
    nice -n 10 .venv/bin/python bench/fleet_watch_bench.py --minutes 60         # the long form
    nice -n 10 .venv/bin/python bench/fleet_watch_bench.py --minutes 5 --tracemalloc 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILLER = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
spec:
  template:
    spec:
      containers:
        - name: svc
          image: docker.io/library/nginx:1.25.{i}
"""


def _world(stack: ExitStack, tmp: Path, registry: Any, files: int) -> str:
    """One repository: the update example (testkit.update_world) plus ``files`` plain YAML
    files in directories of ten; its file:// URL."""
    from testkit.github_server import FakeGitHub
    from testkit.update_world import CONFIG, KUSTOMIZATION, World, new_remote, seeded

    ns = f"fw{abs(hash(str(tmp))) % 10**8}"
    remote, seed = new_remote(tmp)
    # keeping each connection open for the next request, as GitHub's API does
    gh = stack.enter_context(FakeGitHub("acme/gitops", remote).keep_alive())
    (seed / "base").mkdir()
    (seed / "base/kustomization.yaml").write_text("resources: []\n")
    for env in ("staging", "dev"):
        (seed / f"overlays/{env}").mkdir(parents=True)
        (seed / f"overlays/{env}/kustomization.yaml").write_text(
            KUSTOMIZATION.format(host=registry.host, ns=ns)
        )
    for i in range(files):
        d = seed / "apps" / f"a{i // 10}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"svc-{i}.yaml").write_text(FILLER.format(i=i))
    (seed / "gitops-bot.yaml").write_text(
        CONFIG.format(host=registry.host, ns=ns, api=gh.url, group="environment")
    )
    gen = seeded(remote, seed, registry, lambda pusher: World(remote, gh, pusher, ns, tmp))
    next(gen)
    stack.callback(next, gen, None)
    return f"file://{remote}"


def _proc_figures(pid: int) -> tuple[int, float, float]:
    """(RSS kB, own CPU s, waited-for children's CPU s) of the process."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                rss = int(ln.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / tick
    kids = (int(fields[13]) + int(fields[14])) / tick
    return rss, own, kids


def _slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else float("nan")


def child(argv: list[str], frames: int, times: list[float], folder: str) -> int:
    """The watch in this process, with tracemalloc on (``frames`` deep) when asked: a snapshot
    written to ``folder`` at each of ``times`` (seconds) and one at SIGUSR2, each said on stderr.
    Written to disk and dropped, so the traced process holds none of them."""
    from gitops_bot.cli import main

    if frames:
        import tracemalloc

        tracemalloc.start(frames)
        started = time.monotonic()

        def dump(last: bool) -> None:
            at = time.monotonic() - started
            path = os.path.join(folder, f"snapshot-{at:05.0f}.tm")
            tracemalloc.take_snapshot().dump(path)
            ev = {"event": "tracemalloc_dump", "at": round(at), "path": path, "last": last}
            sys.stderr.write(json.dumps(ev) + "\n")
            sys.stderr.flush()

        for t in times:
            timer = threading.Timer(t, dump, (False,))
            timer.daemon = True
            timer.start()
        signal.signal(signal.SIGUSR2, lambda *_: threading.Thread(target=dump, args=(True,)).start())
    return main(argv)


def _growth(paths: list[str]) -> None:
    """The sites that grew most from the first snapshot to each later one, and between the
    last two (the allocating frame first, then its callers)."""
    import tracemalloc

    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    snaps = [(p, tracemalloc.Snapshot.load(p).filter_traces(ignore)) for p in paths]
    pairs = [(snaps[0], s) for s in snaps[1:]]
    if len(snaps) > 2:
        pairs.append((snaps[-2], snaps[-1]))
    for (pa, a), (pb, b) in pairs:
        ta, tb = (int(Path(x).stem.split("-")[1]) for x in (pa, pb))
        total = sum(st.size for st in b.statistics("filename")) - sum(
            st.size for st in a.statistics("filename")
        )
        print(
            f"tracemalloc: {ta / 60:.1f} min -> {tb / 60:.1f} min ({total / 1024:+.1f} kB traced in all),"
            " the sites that grew most"
        )
        for st in b.compare_to(a, "traceback")[:12]:
            where = " <- ".join(
                f"{fr.filename.rsplit('/', 1)[-1]}:{fr.lineno}" for fr in reversed(st.traceback)
            )
            print(f"  {st.size_diff / 1024:+9.1f} kB {st.count_diff:+7d}  {where}")


def parent(args: argparse.Namespace) -> None:
    from testkit.registry_process import RegistryProcess

    tmp = Path(tempfile.mkdtemp(prefix="fleet-watch-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)  # last: after the servers and the watch stopped
        registry = stack.enter_context(RegistryProcess(tmp / "registry"))
        t0 = time.perf_counter()
        urls = [_world(stack, tmp / f"r{i}", registry, args.files) for i in range(args.repos)]
        made = time.perf_counter() - t0
        print(f"{args.repos} repositories of {args.files + 3} YAML files made in {made:.1f} s")
        listing = tmp / "repositories.yaml"
        lines = "".join(f"  - {u}\n" for u in urls)
        listing.write_text(
            f"version: 1\nparallel: {args.parallel}\nshared_env: [GITHUB_TOKEN]\nrepositories:\n{lines}"
        )
        from testkit.github_server import FakeGitHub

        env = dict(os.environ, GITHUB_TOKEN=FakeGitHub.token, GITOPS_BOT_CACHE=str(tmp / "cache"))
        env["PYTHONPATH"] = str(ROOT)
        watch = ["watch", "--env", "staging", "--listen", "127.0.0.1:0", "--repositories", str(listing)]
        watch += ["--interval", args.interval, "--jitter", "0"]
        times = ",".join(str(float(m) * 60) for m in args.snapshots.split(",") if m)
        folder = tmp / "snapshots"
        folder.mkdir()
        p = subprocess.Popen(
            [sys.executable, __file__, "--child", str(args.tracemalloc), times, str(folder), *watch],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp,
        )
        assert p.stderr is not None
        rows: list[tuple[int, float, int, float, float, dict[str, Any]]] = []
        dumps: list[str] = []
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        end = time.monotonic() + args.minutes * 60
        asked = False
        prev = (0, 0.0, 0.0)
        print("cycle  at(s)  RSS kB  dRSS kB  CPU s  git+tools CPU s  cycle s  load  result")
        for line in p.stderr:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "tracemalloc_dump":
                dumps.append(ev["path"])
                print(f"  tracemalloc snapshot at {ev['at']} s", flush=True)
                if ev.get("last"):
                    break
                continue
            if ev.get("event") != "cycle":
                if ev.get("level") in ("error", "warning") and ev.get("event") != "repository_cycle":
                    print("  ", line.strip()[:300])
                continue
            rss, own, kids = _proc_figures(p.pid)
            at = time.monotonic() - (end - args.minutes * 60)
            rows.append((len(rows) + 1, at, rss, own - prev[1], kids - prev[2], ev))
            print(
                f"{len(rows):5d} {at:6.0f} {rss:7d} {rss - prev[0]:+8d} {own - prev[1]:6.2f}"
                f" {kids - prev[2]:15.2f} {ev.get('seconds', 0):8.2f} {os.getloadavg()[0]:5.1f}"
                f"  {ev.get('result')}"
                f" ({ev.get('repositories')} repositories, {len(ev.get('failed') or [])} failed)",
                flush=True,
            )
            prev = (rss, own, kids)
            if time.monotonic() >= end:
                if not args.tracemalloc:
                    break
                if not asked:  # then read on to its answer: a snapshot takes some cycles to print
                    os.kill(p.pid, signal.SIGUSR2)
                    asked = True
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if dumps:
            _growth(dumps)
    later = [r for r in rows if r[0] > 2]  # the first cycle clones and opens; the second warms
    if later:
        half = [r for r in rows if r[1] >= rows[-1][1] / 2]
        cpu = [r[3] for r in later]
        print(f"cycles: {len(rows)}; RSS first {rows[0][2]} kB, last {rows[-1][2]} kB")
        print(
            f"RSS growth a cycle over the last half ({len(half)} cycles): "
            f"{_slope([float(r[0]) for r in half], [float(r[2]) for r in half]):.1f} kB"
        )
        print(
            f"CPU a cycle after the second: own median {statistics.median(cpu):.2f} s "
            f"(min {min(cpu):.2f}, max {max(cpu):.2f}); git and tools median "
            f"{statistics.median([r[4] for r in later]):.2f} s"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        times = [float(t) for t in sys.argv[3].split(",") if t]
        sys.exit(child(sys.argv[5:], int(sys.argv[2]), times, sys.argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=int, default=100)
    ap.add_argument("--files", type=int, default=200, help="plain YAML files in each repository")
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--interval", default="5s")
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES")
    ap.add_argument(
        "--snapshots",
        default="5,10,30",
        metavar="MINUTES",
        help="with --tracemalloc: when to take snapshots (the first is the baseline; one more at the end)",
    )
    parent(ap.parse_args())


if __name__ == "__main__":
    main()
