"""The README's main job: the bundled example end to end, on this machine, with no account.

Starts a distribution registry on a free loopback port, pushes the sample images, copies
``manifests-example/`` into a scratch directory, requires cosign signatures for two images and
signs the builds the environments run (not the newest worker build), and makes the copy a clone
of a local bare git remote with a local GitHub-API server and an Argo CD-shaped API in front.
Then: ``plan`` (the unsigned build is skipped with its reason);
``update`` twice (the first opens one pull request per environment, the second changes
nothing); the staging pull request is merged and Argo CD reports staging healthy;
``promote staging production`` (a dry run showing its diff, then the pull request); it is
merged, ``history production`` lists the releases and ``rollback production --dry-run`` shows
what restoring the previous one would change; ``status`` ends it with the table of the three
environments. Stops everything it started, whatever happens.

The commands go through a :data:`Runner`: in-process for the demo, the console script of a
freshly installed wheel for the shipped-artifact test (``tests/shipped/test_artifacts_as_installed.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_bot.manifests import kustomize
from testkit import cosign, source_repos
from testkit.argocd_server import FakeArgoCD, application
from testkit.example import APP_TAGS, copy_example, seed_example
from testkit.forge_view import ForgeView
from testkit.github_server import FakeGitHub
from testkit.oci import Pushed, Pusher
from testkit.registry_process import RegistryProcess
from testkit.relay import Relay

Runner = Callable[[Sequence[str], Mapping[str, str]], int]


def banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def in_process(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run one gitops-bot command in this process, with ``env`` added to the environment."""
    from gitops_bot.cli import main as cli

    os.environ.update(env)
    print("$ gitops-bot " + " ".join(argv), flush=True)
    code = cli(list(argv))
    sys.stdout.flush()
    return code


@dataclass
class Stage:
    """The example's surroundings: registry, GitOps clone and its remote, GitHub and Argo CD."""

    registry: RegistryProcess
    repo: Path  # a clone of remote, with the example at main
    remote: Path
    gh: FakeGitHub
    argo: FakeArgoCD
    env: dict[str, str]  # what the commands need: tokens, the clone cache
    key: cosign.PrivateKey  # CI's cosign key: the example requires app and worker signed by it
    source: Path  # acme/app's source repository (its images' labels point there)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


# acme/app's history: a commit a line, oldest first (subject, author)
APP_HISTORY = [
    ("Release 1.1.0", "Ada Lovelace"),
    ("Add the health endpoint (#12)", "Grace Hopper"),
    ("Release 1.2.0", "Ada Lovelace"),
    ("Fix the retry budget (#14)", "Alan Turing"),
    ("Release 1.3.0", "Ada Lovelace"),
    ("Try the new cache (#15)", "Barbara Liskov"),
    ("Release 1.4.0-rc.1", "Ada Lovelace"),
    ("Keep the cache off by default (#16)", "Barbara Liskov"),
    ("Release 1.4.1", "Ada Lovelace"),
    ("Drop the v1 API (#20)", "Edsger Dijkstra"),
    ("Release 2.0.0", "Ada Lovelace"),
    ("Nightly: bump dependencies", "Ken Thompson"),
]
APP_RELEASES = [0, 2, 4, 6, 8, 10, 11]  # the commit each of APP_TAGS was built from
assert len(APP_RELEASES) == len(APP_TAGS)


@contextmanager
def stage(work: Path, notify: list[dict[str, Any]] | None = None) -> Iterator[Stage]:
    """``notify``: the registry's notification endpoints (the playground's ``watch``)."""
    with ExitStack() as stack:
        reg = stack.enter_context(RegistryProcess(work / "registry", notifications=notify))
        remote = work / "gitops.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        gh = stack.enter_context(FakeGitHub("acme/gitops", remote))
        # its pull requests as a reviewer sees them, where their html_url (and the status
        # page's links) lead
        view = stack.enter_context(ForgeView(gh))
        gh.web_url = view.url
        # the app's source repository, served by the local GitHub: its images' labels point
        # there, so the demo's pull requests list the commits between two builds
        history = source_repos.make(work / "app-source", APP_HISTORY)
        gh.sources["acme/app"] = work / "app-source"
        revisions = [history[i] for i in APP_RELEASES]
        pusher = Pusher.to(reg.url)
        pushed = seed_example(pusher, (f"{gh.url}/acme/app", revisions))
        pusher.close()
        argo = stack.enter_context(FakeArgoCD())
        repo = copy_example(work / "gitops", reg.host)
        key = require_signatures(reg, repo, pushed)
        config = repo / "gitops-bot.yaml"
        text = config.read_text().replace("https://argocd.example.com", argo.url)
        text += f"\ngithub:\n  repository: acme/gitops\n  api_url: {gh.url}\n  write_interval: 0\n"
        config.write_text(text)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.name=demo", "-c", "user.email=demo@example.com", "commit", "-qm", "example")
        _git(repo, "remote", "add", "origin", str(remote))
        _git(repo, "push", "-q", "origin", "main")
        env = {
            "GITHUB_TOKEN": gh.token,
            "ARGOCD_AUTH_TOKEN": argo.token,
            "GITOPS_BOT_CACHE": str(work / "cache"),
        }
        banner(
            f"registry on {reg.host}: {len(pushed)} tags pushed to acme/app, acme/worker, acme/jobs, "
            f"mirror/nginx, mirror/redis; git remote {remote}; GitHub API {gh.url}; "
            f"its pull requests {view.url}/acme/gitops/pulls"
        )
        yield Stage(reg, repo, remote, gh, argo, env, key, work / "app-source")


TRUST = """
    verify:                           # demo: only images signed by CI's cosign key
      keys: [{file: keys/cosign.pub}]
"""


def require_signatures(reg: RegistryProcess, repo: Path, pushed: dict[str, Pushed]) -> cosign.PrivateKey:
    """Require cosign signatures for example/app and example/worker; CI signed app 1.4.1 and the
    worker builds the environments run, not the newest worker build."""
    key = cosign.new_key()
    (repo / "keys").mkdir()
    (repo / "keys/cosign.pub").write_bytes(cosign.public_pem(key))
    config = repo / "gitops-bot.yaml"
    text = config.read_text()
    for anchor in ('    range: "^1"', "    order: numerical"):
        line = next(ln for ln in text.splitlines() if ln.startswith(anchor))
        text = text.replace(line + "\n", line + "\n" + TRUST.lstrip("\n"), 1)
    config.write_text(text)
    pusher = Pusher.to(reg.url)
    for name in (
        "acme/app:1.4.1",
        "acme/worker:main-1767225600-1a2b3c4",
        "acme/worker:main-1767312000-5d6e7f8",
    ):
        repository = name.split(":")[0]
        cosign.sign_image(pusher, repository, f"{reg.host}/{repository}", pushed[name].digest, key)
    pusher.close()
    return key


def main_job(st: Stage, run: Runner) -> int:
    """The README's main job; the first non-zero exit code stops it."""
    repo = str(st.repo)
    steps: list[tuple[str, list[str], Callable[[], None] | None]] = [
        (
            "plan: what each environment runs, and what its policy would deploy",
            ["plan", "--repo", repo],
            None,
        ),
        (
            "plan --output json (dev only, with image metadata)",
            ["plan", "--repo", repo, "--env", "dev", "--metadata", "--output", "json"],
            None,
        ),
        (
            "trust: example/app and example/worker must be signed by keys/cosign.pub; CI signed app "
            "1.4.1 and the worker builds the environments run, not the newest worker build",
            ["plan", "--repo", repo, "--env", "dev"],
            None,
        ),
        ("update: one pull request per environment", ["update", "--repo", repo], lambda: show_prs(st)),
        (
            "update again: nothing to do, nothing changes",
            ["update", "--repo", repo],
            lambda: merge_staging(st),
        ),
        (
            "promote staging production --dry-run: the diff and the pull request, before anything changes",
            ["promote", "staging", "production", "--repo", repo, "--dry-run"],
            None,
        ),
        (
            "promote staging production: gated on app-staging in Argo CD, one pull request",
            ["promote", "staging", "production", "--repo", repo],
            lambda: merge_promotion(st),
        ),
        ("history production: every release, from git", ["history", "production", "--repo", repo], None),
        (
            "rollback production --dry-run: restore the previous release, and hold it",
            ["rollback", "production", "--repo", repo, "--dry-run"],
            None,
        ),
        (
            "status: every environment and image: git, Argo CD, the plan, open pull requests, the gate",
            ["status", "--repo", repo],
            None,
        ),
    ]
    for title, argv, after in steps:
        banner(title)
        code = run(argv, st.env)
        if code:
            return code
        if after:
            after()
    print(
        f"\nopen pull requests: {len(st.gh.open_pulls())}; GitHub calls: {len(st.gh.requests)} "
        f"({len(st.gh.unexpected)} unexpected); Argo CD calls: {len(st.argo.requests)}"
    )
    return 0


def show_prs(st: Stage) -> None:
    for pr in st.gh.open_pulls():
        show_pr(pr)


def merge_staging(st: Stage) -> None:
    staging = next(p for p in st.gh.open_pulls() if p["head"]["ref"] == "gitops-bot/staging")
    banner(f"a reviewer merges #{staging['number']}; Argo CD syncs staging (Synced, Healthy)")
    st.gh.merge(staging["number"])
    st.argo.apps["app-staging"] = application("app-staging", running_images(st.remote, "overlays/staging"))
    print("app-staging runs:\n  " + "\n  ".join(st.argo.apps["app-staging"]["status"]["summary"]["images"]))


def merge_promotion(st: Stage) -> None:
    promotion = next(p for p in st.gh.open_pulls() if p["head"]["ref"] == "gitops-bot/promotion/production")
    show_pr(promotion)
    st.gh.merge(promotion["number"])
    banner(f"#{promotion['number']} merged")


def show_pr(pr: dict[str, Any]) -> None:
    banner(f"pull request #{pr['number']} {pr['html_url']}: {pr['title']}")
    print(pr["body"])


def running_images(remote: Path, overlay: str) -> list[str]:
    """What Argo CD would report running after syncing ``overlay`` at main (newName:tag@digest)."""
    text = subprocess.run(
        ["git", "-C", str(remote), "show", f"main:{overlay}/kustomization.yaml"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        f"{i.new_name or i.name}"
        + (f":{i.new_tag}" if i.new_tag else "")
        + (f"@{i.digest}" if i.digest else "")
        for i in kustomize.extract_images(text)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the world running as a playground after the demo (docs/guides/tutorial.md)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-demo-"))
    try:
        with ExitStack() as stack:
            relay, notify = None, None
            if args.keep:  # the registry tells the playground's watch of each push
                from testkit import playground

                relay = stack.enter_context(Relay())
                notify = [playground.registry_endpoint(relay.url)]
            st = stack.enter_context(stage(work, notify))
            code = main_job(st, in_process)
            if code or relay is None:
                return code
            return playground.serve(st, work, relay)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
