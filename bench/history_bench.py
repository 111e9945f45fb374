"""Benchmark `gitops-bot history` on an environment with many releases.

Writes a bare remote whose one environment has R releases (each a commit with the bot's
``Gitops-Bot-Release`` trailer moving the tag and digest, with a commit that only touches
another file between each two), clones it once, then times ``history ENV`` reading them all.
Budget (issue 17): 1,000 releases under 2 s.

    .venv/bin/python bench/history_bench.py --releases 1000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from measure import measured
from phases import Phases

from gitops_bot.core import log
from gitops_bot.git.git import GitWorkspace
from testkit.releases import build_remote, prod_history


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--releases", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    log.configure("warning")
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-history-bench-"))
    t0 = time.monotonic()
    remote = build_remote(root, args.releases)
    print(f"built remote: {args.releases} releases in {time.monotonic() - t0:.1f} s")
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(root / "cache")}
    t0 = time.monotonic()
    first = prod_history(f"file://{remote}", environ)
    print(f"first run (partial clone, blobs fetched): {time.monotonic() - t0:.2f} s, {len(first)} releases")
    ph = Phases()
    ph.patch(GitWorkspace, "git")
    for run in range(args.runs):
        ph.reset()
        with measured(None) as m:
            entries = prod_history(f"file://{remote}", environ)
        print(
            f"run {run + 1}: {len(entries)} releases in {m.wall:.2f} s (budget 2 s); {ph.line(m.wall)}; "
            f"CPU {m.own_cpu:.2f} s here + {m.children_cpu:.2f} s in git"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
