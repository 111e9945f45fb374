"""Benchmark `gitops-bot update` on a large GitOps repository, phase by phase.

Builds a bare remote with N overlays (one image each) and some history, a registry, and the
local GitHub server. With ``--open-prs`` every image gets a new tag first, so the first run
opens N pull requests and the later runs are the steady state of issue 17 (every environment
has an open PR, nothing changed); then one image gets one more tag (one environment changes).
Each run prints wall time and the time per phase: plan (registry), edits, trees (hashed in
Python), git, forge (GitHub), the registry process's CPU and the requests it served (its access
log); then the git time by command.

Budgets (issue 17), 1,000 environments with open PRs: steady state under 5 s outside network
calls; one image changed in one environment under 2 s.

    .venv/bin/python bench/update_bench.py --overlays 1000 --commits 2000 --open-prs
    .venv/bin/python bench/update_bench.py --overlays 200 --commits 2000
"""

from __future__ import annotations

import argparse
import cProfile
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from measure import measured
from phases import Phases
from renovate_bench import LoggedRegistry

from gitops_bot.commands.update import Updater
from gitops_bot.core import log
from gitops_bot.engine import batch, delivery
from gitops_bot.engine import plan as plan_uc
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.git import gitbatch
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.trees import BaseTree
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher


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


def phases() -> Phases:
    ph = Phases()
    ph.patch(plan_uc, "plan", ["plan"])
    ph.patch(delivery, "edits", ["apply"])  # through the worktree (reset, edit, write)
    ph.patch(batch, "edits", ["edit"])  # in memory
    ph.patch(BaseTree, "trees", ["with_files"])  # tree ids hashed in Python
    ph.patch(GitWorkspace, "git")
    ph.patch(gitbatch, "git")
    ph.patch(GitHub, "forge")
    ph.patch(GitHub, "forge", ["connect"])
    return ph


class GitProcesses:
    """Counts the git processes started (every one goes through Popen)."""

    def __init__(self) -> None:
        self.count = 0
        original = subprocess.Popen.__init__

        def counting(popen: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
            if isinstance(args, list | tuple) and args and str(args[0]).endswith("git"):
                self.count += 1
            original(popen, args, *rest, **kwargs)

        subprocess.Popen.__init__ = counting  # type: ignore[method-assign, assignment]


GIT = GitProcesses()


def timed_run(label: str, ph: Phases, remote: Path, environ: dict[str, str], reg: LoggedRegistry) -> None:
    ph.reset()
    GIT.count = 0
    before = reg.served()
    with measured(reg.proc.pid if reg.proc else None) as m:
        out = Updater(f"file://{remote}", environ=environ).run()
    actions: dict[str, int] = {}
    for o in out:
        actions[o.action] = actions.get(o.action, 0) + 1
    print(
        f"{label}: wall {m.wall:.2f} s; {ph.line(m.wall)}; outside registry+GitHub "
        f"{m.wall - ph.seconds['plan'] - ph.seconds['forge']:.2f} s; registry CPU {m.registry_cpu:.2f} s, "
        f"{reg.served() - before} requests; {actions}"
    )
    print(f"    {ph.detail('git')}; {GIT.count} git processes")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--overlays", type=int, default=200)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--open-prs", action="store_true", help="every environment has an open PR first")
    ap.add_argument("--profile", action="store_true", help="profile one more steady run (top 30 by own time)")
    args = ap.parse_args()
    log.configure("warning")
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-update-bench-"))
    with LoggedRegistry(root / "registry") as reg:

        def push(names: list[str], tag: str, salt: str) -> list[str]:
            def one(name: str) -> str:
                p = Pusher.to(reg.url)
                try:
                    return p.image(name, tag, salt=salt + name).digest
                finally:
                    p.close()

            with ThreadPoolExecutor(8) as pool:
                return list(pool.map(one, names))

        names = [f"bench/app{i:03d}" for i in range(args.overlays)]
        digests = push(names, "1.0.0", "")
        with FakeGitHub("acme/gitops", root / "remote.git") as gh:
            t0 = time.monotonic()
            remote = build_remote(root, reg.host, args.overlays, args.commits, gh.url, digests)
            n = int(git(remote, "rev-list", "--count", "main"))
            print(f"built remote: {args.overlays} overlays, {n} commits in {time.monotonic() - t0:.1f} s")
            environ = {**os.environ, "GITHUB_TOKEN": gh.token, "GITOPS_BOT_CACHE": str(root / "cache")}
            push(names if args.open_prs else names[7:8], "1.1.0", "new")
            t0, before = time.monotonic(), reg.served()
            first = Updater(f"file://{remote}", environ=environ).run()
            print(
                f"first run (clone + {len(first)} PRs): {time.monotonic() - t0:.2f} s, "
                f"{reg.served() - before} registry requests"
            )
            ph = phases()
            for run in range(args.runs):
                timed_run(f"steady run {run + 1} (nothing changed)", ph, remote, environ, reg)
            for run in range(args.runs):
                push(names[7:8], f"1.2.{run}", f"new{run}")
                timed_run(f"one image changed, run {run + 1}", ph, remote, environ, reg)
            if args.profile:
                cProfile.runctx(
                    "Updater(url, environ=environ).run()",
                    globals(),
                    {"Updater": Updater, "url": f"file://{remote}", "environ": environ},
                    sort="tottime",
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
