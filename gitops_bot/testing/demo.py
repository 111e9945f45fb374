"""The README's main job: the bundled example end to end, on this machine, with no account.

Starts a distribution registry on a free loopback port, pushes the sample images, copies
``manifests-example/`` into a scratch directory and runs gitops-bot on it; stops everything
it started, whatever happens.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from gitops_bot.cli import main as cli
from gitops_bot.testing.example import copy_example, seed_example
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
            return run("plan", "--repo", str(repo), "--env", "dev", "--metadata", "--output", "json")
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
