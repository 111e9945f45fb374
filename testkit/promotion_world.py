"""The promotion example as a world for end-to-end tests: a real registry, a real bare git
remote, the local GitHub API server and a local server with Argo CD's JSON shapes.

The example has three environments: dev (follows the registry, commits straight to main),
staging (receives promotions from dev, by pull request) and production (from staging, by pull
request, gated on staging being Synced and Healthy in Argo CD).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from gitops_bot.cli import main
from testkit.argocd_server import FakeArgoCD, application
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.update_world import git, new_remote, push_first

OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: example/app   # the API
    newName: {host}/{ns}/app
    newTag: "1.0.0"
  - name: example/worker
    newName: {host}/{ns}/worker
    newTag: 2.0.0
replicas:
  - name: app
    count: 1
"""

CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/{ns}/app
  - name: example/worker
    repository: {host}/{ns}/worker
environments:
  - name: dev
    path: overlays/dev
    write: commit
  - name: staging
    path: overlays/staging
    promote_from: dev
    argocd_application: app-staging
  - name: production
    path: overlays/production
    promote_from: staging
github:
  repository: acme/gitops
  api_url: {api}
  write_interval: 0
argocd:
  server: {argocd}
"""

BASE_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app
        - name: worker
          image: example/worker
"""

OVERLAY_FILE = "overlays/{}/kustomization.yaml"


@dataclass
class World:
    remote: Path
    github: FakeGitHub
    argocd: FakeArgoCD
    pusher: Pusher
    host: str
    ns: str
    tmp: Path

    def push(self, repo: str, tag: str, salt: str = "") -> str:
        return self.pusher.image(f"{self.ns}/{repo}", tag, salt=f"{self.ns}-{repo}-{tag}{salt}").digest

    def show(self, path: str, ref: str = "main") -> str:
        return git(self.remote, "show", f"{ref}:{path}")

    def overlay(self, env: str, ref: str = "main") -> str:
        return self.show(OVERLAY_FILE.format(env), ref)

    def branches(self) -> list[str]:
        return git(self.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/").splitlines()

    def hand_commit(self, path: str, old: str, new: str, message: str) -> None:
        work = self.tmp / "hand"
        if not work.exists():
            subprocess.run(["git", "clone", "-q", str(self.remote), str(work)], check=True)
        git(work, "pull", "-q", "--ff-only")
        f = work / path
        text = f.read_text()
        assert old in text
        f.write_text(text.replace(old, new))
        git(work, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-qam", message)
        git(work, "push", "-q", "origin", "HEAD:main")

    def staging_runs(self, *images: str, health: str = "Healthy") -> None:
        self.argocd.apps["app-staging"] = application("app-staging", list(images), health=health)

    def merge_only_pr(self) -> dict[str, Any]:
        (pr,) = self.github.open_pulls()
        self.github.merge(pr["number"])
        return pr


def make_world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The promotion example under ``tmp_path``, the GitHub and Argo CD tokens in the environment."""
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    ns = f"pr{abs(hash(str(tmp_path))) % 10**8}"
    remote, seed = new_remote(tmp_path)
    with FakeGitHub("acme/gitops", remote) as gh, FakeArgoCD() as argo:
        monkeypatch.setenv("ARGOCD_AUTH_TOKEN", argo.token)
        (seed / "base").mkdir()
        # what kubectl kustomize builds (the reading renders it): the Deployment the overlays'
        # replicas: and images: entries name
        (seed / "base/kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
        (seed / "base/deployment.yaml").write_text(BASE_DEPLOYMENT)
        for env in ("dev", "staging", "production"):
            (seed / f"overlays/{env}").mkdir(parents=True)
            (seed / OVERLAY_FILE.format(env)).write_text(OVERLAY.format(host=registry.host, ns=ns))
        (seed / "gitops-bot.yaml").write_text(
            CONFIG.format(host=registry.host, ns=ns, api=gh.url, argocd=argo.url)
        )
        push_first(remote, seed)
        pusher = Pusher.to(registry.url)
        world = World(remote, gh, argo, pusher, registry.host, ns, tmp_path)
        world.push("app", "1.0.0")
        world.push("worker", "2.0.0")
        yield world
        pusher.close()


def run(capsys: pytest.CaptureFixture[str], world: World, *argv: str, code: int = 0) -> dict[str, Any]:
    rc = main([*argv, "--repo", f"file://{world.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert rc == code, err
    if code:
        assert len(err.strip().splitlines()) == 1, err  # one line, no traceback
        return {"error": err}
    return json.loads(out)  # type: ignore[no-any-return]


def release_dev(capsys: pytest.CaptureFixture[str], world: World) -> dict[str, Any]:
    out = run(capsys, world, "update", "--env", "dev")
    assert [r["action"] for r in out["results"]] == ["commit"]
    return out


class _HasRemote(Protocol):
    remote: Path
    tmp: Path


def add_files(w: _HasRemote, files: dict[str, str], replace: tuple[str, str, str] | None = None) -> None:
    """Commit ``files`` (and one text replacement in a file) to the remote's main, by hand."""
    work = w.tmp / "hand"
    if not work.exists():
        subprocess.run(["git", "clone", "-q", str(w.remote), str(work)], check=True)
    git(work, "pull", "-q", "--ff-only")
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    if replace:
        f = work / replace[0]
        assert replace[1] in f.read_text()
        f.write_text(f.read_text().replace(replace[1], replace[2]))
    git(work, "add", "-A")
    git(work, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-qm", "trust")
    git(work, "push", "-q", "origin", "HEAD:main")
