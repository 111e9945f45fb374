"""The README's main job: the bundled example end to end, on this machine, with no account.

Starts a distribution registry on a free loopback port, pushes the sample images, copies
``manifests-example/`` into a scratch directory, shows ``plan``, then requires cosign
signatures for two images and signs one (the unsigned one is skipped with its reason). Then it
makes the copy a git remote (a bare repository) with a local GitHub-API server in front and
runs ``update`` twice: the first opens one pull request per environment, the second changes
nothing. Then the staging pull request is merged, a local Argo CD-shaped API reports staging
healthy, and ``promote staging production`` opens the promotion (after a dry run showing its
diff); it is merged, ``history production`` lists the releases and ``rollback production
--dry-run`` shows what restoring the previous one would change. Stops everything it started,
whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from gitops_bot.cli import main as cli
from gitops_bot.manifests import kustomize
from testkit import cosign
from testkit.argocd_server import FakeArgoCD, application
from testkit.example import copy_example, seed_example
from testkit.github_server import FakeGitHub
from testkit.oci import Pushed, Pusher
from testkit.registry_process import RegistryProcess


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
            code = trust(reg, repo, pushed)
            if code:
                return code
            return release(work, repo)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


TRUST = """
    verify:                           # demo: only images signed by CI's cosign key
      keys: [{file: keys/cosign.pub}]
"""


def trust(reg: RegistryProcess, repo: Path, pushed: dict[str, Pushed]) -> int:
    """Require cosign signatures for example/app and example/worker; CI signed app 1.4.1 and the
    worker builds the environments run, not the newest worker build."""
    banner("trust: example/app and example/worker must be signed by keys/cosign.pub")
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
        print(f"CI signed {name} ({pushed[name].digest[:19]}…, cosign's sha256-<hex>.sig)")
    pusher.close()
    print("acme/worker:main-1767398400-9a8b7c6, the newest build, is not signed")
    return run("plan", "--repo", str(repo), "--env", "dev")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def release(work: Path, repo: Path) -> int:
    remote = work / "gitops.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    with FakeGitHub("acme/gitops", remote) as gh, FakeArgoCD() as argo:
        config = repo / "gitops-bot.yaml"
        text = config.read_text().replace("https://argocd.example.com", argo.url)
        text += f"\ngithub:\n  repository: acme/gitops\n  api_url: {gh.url}\n  write_interval: 0\n"
        config.write_text(text)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.name=demo", "-c", "user.email=demo@example.com", "commit", "-qm", "example")
        _git(repo, "remote", "add", "origin", str(remote))
        _git(repo, "push", "-q", "origin", "main")
        os.environ["GITHUB_TOKEN"] = gh.token
        os.environ["ARGOCD_AUTH_TOKEN"] = argo.token
        os.environ["GITOPS_BOT_CACHE"] = str(work / "cache")
        banner(f"update: a git remote at {remote}, a GitHub API on {gh.url}")
        code = run("update", "--repo", str(repo))
        if code:
            return code
        for pr in gh.open_pulls():
            show_pr(pr)
        banner("update again: nothing to do, nothing changes")
        code = run("update", "--repo", str(repo))
        if code:
            return code

        staging = next(p for p in gh.open_pulls() if p["head"]["ref"] == "gitops-bot/staging")
        banner(f"a reviewer merges #{staging['number']}; Argo CD syncs staging (Synced, Healthy)")
        gh.merge(staging["number"])
        argo.apps["app-staging"] = application("app-staging", running_images(remote, "overlays/staging"))
        print("app-staging runs:\n  " + "\n  ".join(argo.apps["app-staging"]["status"]["summary"]["images"]))

        banner("promote staging production --dry-run: the diff, before anything changes")
        code = run("promote", "staging", "production", "--repo", str(repo), "--dry-run")
        if code:
            return code
        banner("promote staging production: gated on app-staging in Argo CD, one pull request")
        code = run("promote", "staging", "production", "--repo", str(repo))
        if code:
            return code
        promotion = next(p for p in gh.open_pulls() if p["head"]["ref"] == "gitops-bot/promotion/production")
        show_pr(promotion)
        gh.merge(promotion["number"])
        banner(f"#{promotion['number']} merged. history production: every release, from git")
        code = run("history", "production", "--repo", str(repo))
        if code:
            return code
        banner("rollback production --dry-run: restore the previous release, and hold it")
        code = run("rollback", "production", "--repo", str(repo), "--dry-run")
        print(
            f"\nopen pull requests: {len(gh.open_pulls())}; GitHub calls: {len(gh.requests)} "
            f"({len(gh.unexpected)} unexpected); Argo CD calls: {len(argo.requests)}"
        )
        return code


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


if __name__ == "__main__":
    raise SystemExit(main())
