"""Benchmark `gitops-bot history` on an environment that renders a huge overlay.

Writes a bare remote whose two environments (prod, staging) are overlays of one shared base of
F workload files (every container pulling the configured image), then C commits: a release
into prod's overlay (its ``images:`` entry, with the bot's trailer) alternating with a commit
changing one base file's replicas. History then reads every state through the one reader
(what prod renders is shared), the case where each state was read whole. Times
``history prod`` as its command runs it.

    .venv/bin/python bench/history_overlay_bench.py --files 300 --commits 300
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

from measure import measured

from gitops_bot.core import log
from testkit.releases import HOST, inline, prod_history, remote


def _workload(i: int, replicas: int) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w{i:03d}\nspec:\n"
        f"  replicas: {replicas}\n  template:\n    spec:\n      containers:\n"
        f"      - name: app\n        image: {HOST}/acme/app:1.0.0\n"
        "        ports:\n        - containerPort: 8080\n"
    )


def _overlay(tag: str) -> str:
    digest = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
    return (
        f"resources:\n- ../../base\nimages:\n- name: {HOST}/acme/app\n  newTag: {tag}\n  digest: {digest}\n"
    )


def build_remote(root: Path, files: int, commits: int) -> Path:
    config = (
        f"version: 1\nimages:\n  - name: {HOST}/acme/app\n    policy: semver\n"
        "environments:\n  - name: staging\n    path: overlays/staging\n"
        "  - name: prod\n    path: overlays/prod\n"
    )
    base = "resources:\n" + "".join(f"- w{i:03d}.yaml\n" for i in range(files))
    stream = [
        "commit refs/heads/main\ncommitter dev <d@x> 1700000000 +0000\ndata 7\ninitial\n"
        + inline("gitops-bot.yaml", config)
        + inline("base/kustomization.yaml", base)
        + "".join(inline(f"base/w{i:03d}.yaml", _workload(i, 1)) for i in range(files))
        + inline("overlays/staging/kustomization.yaml", _overlay("1.0.0"))
        + inline("overlays/prod/kustomization.yaml", _overlay("1.0.0"))
    ]
    for c in range(1, commits + 1):
        if c % 2:
            r = (c + 1) // 2
            message = f"chore(prod): app 1.{r}.0\n\nGitops-Bot-Release: prod-{r:08x}\n"
            change = inline("overlays/prod/kustomization.yaml", _overlay(f"1.{r}.0"))
        else:
            message = f"scale w{c % files:03d}\n"
            change = inline(f"base/w{c % files:03d}.yaml", _workload(c % files, 2 + c))
        stream.append(
            f"commit refs/heads/main\ncommitter dev <d@x> {1700000000 + c} +0000\n"
            f"data {len(message.encode())}\n{message}" + change
        )
    return remote(root, stream)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    log.configure("warning")
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-history-overlay-bench-"))
    made = build_remote(root, args.files, args.commits)
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(root / "cache")}
    t0 = time.monotonic()
    first = prod_history(f"file://{made}", environ)
    print(f"first run (clone, blobs fetched): {time.monotonic() - t0:.2f} s, {len(first)} releases")
    for run in range(args.runs):
        with measured(None) as m:
            entries = prod_history(f"file://{made}", environ)
        print(
            f"run {run + 1}: {len(entries)} releases over {args.commits} commits, {args.files}-file base: "
            f"{m.wall:.2f} s; CPU {m.own_cpu:.2f} s here + {m.children_cpu:.2f} s in git"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
