"""The README's main job: the bundled example end to end, on this machine, with no account.

Starts a distribution registry on a free loopback port, pushes the sample images, copies
``manifests-example/`` into a scratch directory, shows ``plan``, then makes the copy a git
remote (a bare repository) with a local GitHub-API server in front and runs ``update`` twice:
the first opens one pull request per environment, the second changes nothing. Stops everything
it started, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gitops_bot.cli import main as cli
from gitops_bot.testing.example import copy_example, seed_example
from gitops_bot.testing.github_server import FakeGitHub
from gitops_bot.testing.oci import Pusher
from gitops_bot.testing.registry_process import RegistryProcess


def banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def run(*argv: str) -> int:
    print("$ gitops-bot " + " ".join(argv), flush=True)
    code = cli(list(argv))
    sys.stdout.flush()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-demo-"))
    try:
        with RegistryProcess(work / "registry") as reg:
            banner(f"registry on {reg.host}: pushing sample images")
            pusher = Pusher.to(reg.url)
            pushed = seed_example(pusher)
            pusher.close()
            print(
                f"pushed {len(pushed)} tags to acme/app, acme/worker, acme/jobs, mirror/nginx, mirror/redis"
            )
            repo = copy_example(work / "gitops", reg.host)
            banner("plan: what each environment runs, and what its policy would deploy")
            code = run("plan", "--repo", str(repo))
            if code:
                return code
            banner("plan --output json (dev only, with image metadata)")
            code = run("plan", "--repo", str(repo), "--env", "dev", "--metadata", "--output", "json")
            if code:
                return code
            return release(work, repo)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def release(work: Path, repo: Path) -> int:
    remote = work / "gitops.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    with FakeGitHub("acme/gitops", remote) as gh:
        with (repo / "gitops-bot.yaml").open("a") as f:
            f.write(f"\ngithub:\n  repository: acme/gitops\n  api_url: {gh.url}\n  write_interval: 0\n")
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.name=demo", "-c", "user.email=demo@example.com", "commit", "-qm", "example")
        _git(repo, "remote", "add", "origin", str(remote))
        _git(repo, "push", "-q", "origin", "main")
        os.environ["GITHUB_TOKEN"] = gh.token
        os.environ["GITOPS_BOT_CACHE"] = str(work / "cache")
        banner(f"update: a git remote at {remote}, a GitHub API on {gh.url}")
        code = run("update", "--repo", str(repo))
        if code:
            return code
        for pr in gh.open_pulls():
            banner(f"pull request #{pr['number']} {pr['html_url']}: {pr['title']}")
            print(pr["body"])
        banner("update again: nothing to do, nothing changes")
        code = run("update", "--repo", str(repo))
        print(f"open pull requests: {len(gh.open_pulls())}; unexpected GitHub calls: {len(gh.unexpected)}")
        return code


if __name__ == "__main__":
    raise SystemExit(main())
