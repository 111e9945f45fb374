"""Benchmark `gitops-bot update` in steady state on a large GitOps repository.

Builds a bare remote with 200 overlays and 2,000 commits of history, a registry where one of
the 200 images has a new tag, and the local GitHub server; runs `update` once to warm the
cache (the clone) and open the PR, pushes one more tag, then times the steady-state runs.
Budget (issue 4): well under 2 s outside the registry and GitHub calls. Prints total wall time,
the time inside registry calls (plan), and the rest (git + editing + bookkeeping).

    .venv/bin/python bench/update_bench.py --overlays 200 --commits 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from gitops_bot.writeback import Updater
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def build_remote(root: Path, host: str, overlays: int, commits: int, api: str, digests: list[str]) -> Path:
    remote = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    work = root / "seed"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    images = "".join(
        f"  - name: app{i:03d}\n    repository: {host}/bench/app{i:03d}\n" for i in range(overlays)
    )
    envs = "".join(f"  - name: env{i:03d}\n    path: overlays/env{i:03d}\n" for i in range(overlays))
    (work / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n{images}environments:\n{envs}"
        f"github:\n  repository: acme/gitops\n  api_url: {api}\n  write_interval: 0\n"
    )
    for i in range(overlays):
        d = work / f"overlays/env{i:03d}"
        d.mkdir(parents=True)
        (d / "kustomization.yaml").write_text(
            f"resources: []\nimages:\n- name: app{i:03d}\n  newName: {host}/bench/app{i:03d}\n"
            f"  newTag: 1.0.0\n  digest: {digests[i]}\n"
        )
        (d / "notes.txt").write_text("0\n")
    git(work, "add", "-A")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "d@x",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "d@x",
    }
    git(work, "commit", "-qm", "initial", env=env)
    # history: fast-import is the only sane way to write 2,000 commits quickly
    stream = []
    for c in range(commits - 1):
        i = c % overlays
        data = f"{c}\n"
        stream.append(
            f"commit refs/heads/main\ncommitter dev <d@x> {1700000000 + c} +0000\ndata 8\nhistory\n"
            + ("from refs/heads/main^0\n" if c == 0 else "")
            + f"M 100644 inline overlays/env{i:03d}/notes.txt\ndata {len(data)}\n{data}\n"
        )
    subprocess.run(
        ["git", "-C", str(work), "fast-import", "--quiet"], input="".join(stream), text=True, check=True
    )
    git(work, "push", "-q", str(remote), "main")
    return remote


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--overlays", type=int, default=200)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-update-bench-"))
    with RegistryProcess(root / "registry") as reg:
        pusher = Pusher.to(reg.url)
        digests = [
            pusher.image(f"bench/app{i:03d}", "1.0.0", salt=str(i)).digest for i in range(args.overlays)
        ]
        with FakeGitHub("acme/gitops", root / "remote.git") as gh:
            t0 = time.monotonic()
            remote = build_remote(root, reg.host, args.overlays, args.commits, gh.url, digests)
            n = int(git(remote, "rev-list", "--count", "main"))
            print(f"built remote: {args.overlays} overlays, {n} commits in {time.monotonic() - t0:.1f} s")
            environ = {**os.environ, "GITHUB_TOKEN": gh.token, "GITOPS_BOT_CACHE": str(root / "cache")}
            pusher.image("bench/app007", "1.1.0", salt="new")
            updater = Updater(f"file://{remote}", environ=environ)
            t0 = time.monotonic()
            first = updater.run()
            print(f"first run (clone + PR): {time.monotonic() - t0:.2f} s, {[o.action for o in first]}")
            from gitops_bot.app import App

            plan_time = {"s": 0.0}
            original = App.plan

            def timed(self: App, *a: object, **kw: object) -> object:
                t = time.monotonic()
                try:
                    return original(self, *a, **kw)  # type: ignore[arg-type]
                finally:
                    plan_time["s"] += time.monotonic() - t

            App.plan = timed  # type: ignore[assignment,method-assign]
            for run in range(args.runs):
                plan_time["s"] = 0.0
                pusher.image("bench/app007", f"1.2.{run}", salt=f"new{run}")
                before = len(gh.requests)
                t0 = time.monotonic()
                out = Updater(f"file://{remote}", environ=environ).run()
                wall = time.monotonic() - t0
                print(
                    f"steady run {run + 1}: wall {wall:.2f} s; registry (plan) {plan_time['s']:.2f} s; "
                    f"GitHub requests {len(gh.requests) - before}; "
                    f"outside registry {wall - plan_time['s']:.2f} s (budget well under 2 s); "
                    f"{[(o.environment, o.action) for o in out]}"
                )
            pusher.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
