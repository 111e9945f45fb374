"""The playground: the demo's world left running, to try what the bot does one command at a time.

This is ``scripts/play``, the side a person types (:mod:`testkit.playground` is the side left
running): a verb is one request to the running playground's control port, whose address and
token are in ``.playground/state.json``; ``bot ARGS`` runs gitops-bot itself on the
playground's repository, at the playground's time. It imports only what a verb needs (the
standard library; gitops-bot for ``bot``): every command a person types starts a Python, and
the playground's own modules (the registry, the fake services, cosign) cost 0.35 s of CPU of
each start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from testkit.playground_clock import WORK_ENV, install_clock

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".playground" / "state.json"
CYCLE_TIMEOUT = 120.0

# short name -> (repository, signed by CI's key as the example requires)
IMAGES = {
    "app": ("acme/app", True),
    "worker": ("acme/worker", True),
    "jobs": ("acme/jobs", False),
    "proxy": ("mirror/nginx", False),
}
APPLICATIONS = {"staging": "app-staging", "production": "app-production"}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="scripts/play", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = sub.add_parser("push", help="push a new build of an image (app, worker: signed by CI's key)")
    p.add_argument("image", choices=sorted(IMAGES))
    p.add_argument("tag")
    sub.add_parser("merge", help="merge an open pull request").add_argument(
        "target", help="its number, its branch without the prefix (freeze/production), or its environment"
    )
    h = sub.add_parser("health", help="what Argo CD reports for an environment's application")
    h.add_argument("env", choices=sorted(APPLICATIONS))
    h.add_argument("status", choices=["Healthy", "Degraded", "Progressing", "Missing"])
    sub.add_parser("wait", help="move the playground's clock on").add_argument("duration", help="30m, 1h, 2h")
    sub.add_parser("revert", help="a person reverts an environment's last change on main").add_argument("env")
    sub.add_parser("prs", help="the pull requests, or one in full").add_argument(
        "number",
        nargs="?",
        help="one pull request, in full (description, commits, diff): its number, its branch "
        "without the prefix (rollback/staging), or its environment",
    )
    b = sub.add_parser("bot", help="a gitops-bot command on the playground's repository, at its time")
    b.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("down", help="stop the playground and remove it")
    return ap


def _state() -> dict[str, Any]:
    try:
        return dict(json.loads(STATE.read_text()))
    except FileNotFoundError:
        raise SystemExit(
            "scripts/play: no playground is running; start one with: bash scripts/demo.sh --keep"
        ) from None


def refresh(repo: Path) -> str | None:
    """The playground's clone brought to the remote's main, as a person pulls before reading
    their repository: the verbs merge on the remote, and a command that reads the working
    tree (``plan``, ``explain``) would otherwise read the demo's state for ever. A line saying
    why not when the clone has changes of its own (left as they are)."""
    git = _git
    try:
        git(repo, "fetch", "-q", "origin", "main")
        if git(repo, "status", "--porcelain", "--untracked-files=no"):
            return f"scripts/play: {repo} has changes of its own: read as it is, not as main is now"
        git(repo, "merge", "-q", "--ff-only", "FETCH_HEAD")
    except subprocess.CalledProcessError as exc:
        why = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit {exc.returncode}"]
        return f"scripts/play: {repo} not brought to the remote's main ({why[0]}): read as it is"
    return None


def bot(args: list[str]) -> int:
    """``gitops-bot ARGS`` on the playground's repository (``--repo`` added), at its time,
    on the remote's main as it is now."""
    state = _state()
    said = refresh(Path(state["repo"]))
    if said:
        print(said, file=sys.stderr)
    os.environ.update({**state["env"], WORK_ENV: state["work"]})
    install_clock(Path(state["work"]))
    if (
        args
        and not args[0].startswith("-")
        and args[0] not in ("schema", "version")
        and not {"--repo", "--repositories"} & set(args)
    ):
        args = [*args, "--repo", state["repo"]]
    from gitops_bot.cli import main as cli

    return cli(args)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.verb == "bot":
        return bot(args.args)
    state = _state()
    body = {k: v for k, v in vars(args).items() if k != "verb"}
    request = urllib.request.Request(
        f"{state['control']}/{args.verb}",
        data=json.dumps({"args": list(body.values())}).encode(),
        headers={"Authorization": f"Bearer {state['token']}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=CYCLE_TIMEOUT + 30) as r:
            answer, ok = json.load(r), True
    except urllib.error.HTTPError as exc:
        answer, ok = json.load(exc), False
    except urllib.error.URLError as exc:
        raise SystemExit(
            f"scripts/play: the playground does not answer ({exc.reason}); "
            "start one with: bash scripts/demo.sh --keep"
        ) from None
    try:
        print(answer["text"], flush=True)
    except BrokenPipeError:  # stdout closed early (`scripts/play prs 4 | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141
    if args.verb == "down":
        deadline = time.monotonic() + 60
        while STATE.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    return 0 if ok else 2


if __name__ == "__main__":
    raise SystemExit(main())
