"""A fleet ``watch``'s cycles in this process, one repository at a time: ``--repos`` repositories
as ``bench/fleet_watch_bench.py`` makes them, each cycle's own CPU and its children's (git,
kubectl), and every git process it starts, counted through a ``git`` first on the PATH that
records its arguments. ``--tree``: another source tree's package and benches (the tree runs its
own code with this interpreter), to compare two trees interleaved; ``--profile``: cProfile of
the last cycle (its thread's CPU clock), the functions by cumulative time.

    nice -n 15 .venv/bin/python bench/watch_cycles_bench.py --repos 10 --cycles 5
    nice -n 15 .venv/bin/python bench/watch_cycles_bench.py --tree /tmp/before --repos 10
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _command(args: str) -> str:
    """``git -c a=b -C dir log --x`` -> ``log --x``: what the process was asked."""
    words, i = args.split(), 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in ("-c", "-C") else 1
    return " ".join(words[i : i + 2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=int, default=10)
    ap.add_argument("--files", type=int, default=200, help="plain YAML files in each repository")
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the source tree to run")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    tree = args.tree.resolve()
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import fleet_watch_bench as fleet_bench  # the tree's own, as its package is

    from gitops_bot.commands import fleet
    from gitops_bot.watch.loop import Watcher
    from testkit.github_server import FakeGitHub
    from testkit.registry_process import RegistryProcess

    tmp = Path(tempfile.mkdtemp(prefix="watch-cycles-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        registry = stack.enter_context(RegistryProcess(tmp / "registry"))
        urls = [fleet_bench._world(stack, tmp / f"r{i}", registry, args.files) for i in range(args.repos)]
        listing = tmp / "repositories.yaml"
        listed = "".join(f"  - {u}\n" for u in urls)
        listing.write_text(f"version: 1\nparallel: 1\nshared_env: [GITHUB_TOKEN]\nrepositories:\n{listed}")
        shim, started = tmp / "shim", tmp / "git-processes"
        shim.mkdir()
        (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> {started}\nexec {shutil.which("git")} "$@"\n')
        (shim / "git").chmod(0o755)
        os.environ.update(GITHUB_TOKEN=FakeGitHub.token, GITOPS_BOT_CACHE=str(tmp / "cache"))
        os.environ["PATH"] = f"{shim}{os.pathsep}{ROOT / '.tools/bin'}{os.pathsep}{os.environ['PATH']}"
        os.chdir(tmp)
        if args.profile:  # the repositories on this thread, where the profiler sees them
            fleet.each = lambda items, work, workers, url: [work(i) for i in items]
        many = fleet.named(".", None, str(listing), config=None, base=None, shard=None)
        assert many is not None
        watcher = Watcher.over(many, parallel=1, interval=1, jitter=0, envs=["staging"])
        calls: list[str] = []
        profile: Any = None
        for n in range(1, args.cycles + 1):
            started.unlink(missing_ok=True)
            if args.profile and n == args.cycles:
                profile = cProfile.Profile(time.thread_time)
                profile.enable()
            before = _cpu()
            ok, _ = watcher.cycle()
            after = _cpu()
            if profile is not None:
                profile.disable()
            calls = started.read_text().splitlines() if started.exists() else []
            each = len(calls) / args.repos
            print(
                f"cycle {n}: {'ok' if ok else 'FAILED'}, own CPU {after[0] - before[0]:.3f} s, git and tools "
                f"{after[1] - before[1]:.3f} s, {len(calls)} git processes ({each:.1f} a repository)",
                flush=True,
            )
        print("the last cycle's git processes:")
        for what, count in collections.Counter(_command(c) for c in calls).most_common():
            print(f"  {count:5d}  {what}")
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        close = getattr(watcher, "close", None)  # the registry pool and the kept connections
        if close is not None:
            close()
        elif watcher.pool is not None:  # a tree from before the watch kept connections
            watcher.pool.close()


if __name__ == "__main__":
    main()
