"""The update example as a world for end-to-end tests: a real bare git remote seeded with two
Kustomize overlays (staging by pull request, dev by commit) and a gitops-bot.yaml, images in a
real registry, and the local server speaking GitHub's REST API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

from gitops_bot.cli import main
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  # the API; CI pushes semver tags
  - name: example/app
    newName: {host}/{ns}/app
    newTag: 1.0.0 # {{"$imagepolicy": "flux-system:app:tag"}}
  - name: example/worker
    newName: {host}/{ns}/worker
    newTag: "2.0"
"""

CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/{ns}/app
    range: "^1"
  - name: example/worker
    repository: {host}/{ns}/worker
environments:
  - name: staging
    path: overlays/staging
  - name: dev
    path: overlays/dev
    write: commit
pull_request:
  group: {group}
  labels: [gitops-bot, release]
  reviewers: [alice]
  auto_merge: squash
github:
  repository: acme/gitops
  api_url: {api}
  write_interval: 0
"""


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd``; its stripped standard output (a failure raises)."""
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class World:
    remote: Path
    github: FakeGitHub
    pusher: Pusher
    ns: str
    tmp: Path

    def push(self, repo: str, tag: str) -> str:
        return self.pusher.image(f"{self.ns}/{repo}", tag, salt=f"{self.ns}-{repo}-{tag}").digest

    def show(self, ref: str, path: str) -> bytes:
        return subprocess.run(
            ["git", "-C", str(self.remote), "show", f"{ref}:{path}"], check=True, capture_output=True
        ).stdout

    def branches(self) -> list[str]:
        out = git(self.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
        return sorted(out.splitlines())

    def sha(self, ref: str) -> str:
        return git(self.remote, "rev-parse", ref)


class _Pushes(Protocol):
    def push(self, repo: str, tag: str) -> str: ...


W = TypeVar("W", bound=_Pushes)


def new_remote(tmp_path: Path) -> tuple[Path, Path]:
    """A bare remote on main, and the empty folder its first commit's files are written in
    (:func:`push_first` commits them and makes the folder a clone)."""
    remote, seed = tmp_path / "remote.git", tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    seed.mkdir()
    return remote, seed


def push_first(remote: Path, seed: Path) -> None:
    """The files written in ``seed`` made ``remote``'s first commit on main (message "initial",
    by dev <dev@example.com>), and ``seed`` then a clone of it to commit and push in as a user
    does. The commit is written by one ``git fast-import`` and the folder cloned afresh from it:
    a clone's ``add``, ``commit`` and ``push`` ran twice as many git processes for the same
    tree, ~18 ms of CPU more a world."""
    stream = [b"commit refs/heads/main\ncommitter dev <dev@example.com> now\ndata 8\ninitial\n\n"]
    for path in sorted(p for p in seed.rglob("*") if p.is_file() or p.is_symlink()):
        name = path.relative_to(seed).as_posix().encode()
        if path.is_symlink():
            mode, data = b"120000", os.readlink(path).encode()
        else:
            mode, data = (b"100755" if os.access(path, os.X_OK) else b"100644"), path.read_bytes()
        stream.append(b"M %s inline %s\ndata %d\n%s\n" % (mode, name, len(data), data))
    subprocess.run(
        ["git", "-C", str(remote), "fast-import", "--quiet", "--date-format=now"],
        input=b"".join(stream),
        check=True,
        capture_output=True,
    )
    written = seed.rename(seed.with_name(seed.name + ".written"))
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    shutil.rmtree(written)


def seeded(remote: Path, seed: Path, registry: RegistryProcess, make: Callable[[Pusher], W]) -> Iterator[W]:
    """The seed's first commit pushed (:func:`push_first`), then yield the world ``make``
    builds, with app 1.0.0 and worker 2.0 in the registry."""
    push_first(remote, seed)
    pusher = Pusher.to(registry.url)
    try:
        world = make(pusher)
        world.push("app", "1.0.0")
        world.push("worker", "2.0")
        yield world
    finally:
        pusher.close()


def make_world(tmp_path: Path, registry: RegistryProcess, group: str = "environment") -> Iterator[World]:
    """The update example under ``tmp_path`` (its own repository names in the registry)."""
    ns = f"wb{abs(hash(str(tmp_path))) % 10**8}"
    remote, seed = new_remote(tmp_path)
    with FakeGitHub("acme/gitops", remote) as gh:
        (seed / "base").mkdir()
        (seed / "base/kustomization.yaml").write_text("resources: []\n")
        for env in ("staging", "dev"):
            (seed / f"overlays/{env}").mkdir(parents=True)
            (seed / f"overlays/{env}/kustomization.yaml").write_text(
                KUSTOMIZATION.format(host=registry.host, ns=ns)
            )
        (seed / "gitops-bot.yaml").write_text(
            CONFIG.format(host=registry.host, ns=ns, api=gh.url, group=group)
        )
        yield from seeded(remote, seed, registry, lambda pusher: World(remote, gh, pusher, ns, tmp_path))


def world_with_token(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """The update example with the GitHub token in the environment and a private cache."""
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


@contextmanager
def worlds(tmp_path: Path, registry: RegistryProcess, n: int) -> Iterator[list[World]]:
    """``n`` update examples (a fleet), each with app 1.1.0 pushed."""
    with ExitStack() as stack:
        out = []
        for i in range(n):
            gen = make_world(tmp_path / f"w{i}", registry)
            out.append(next(gen))
            stack.callback(next, gen, None)
        for w in out:
            w.push("app", "1.1.0")
        yield out


def update(capsys: pytest.CaptureFixture[str], world: World, *extra: str) -> dict[str, Any]:
    """``gitops-bot update`` in process on the world's remote; its JSON result (exit 0 asserted)."""
    code = main(["update", "--repo", f"file://{world.remote}", "--output", "json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def add_config(world: World, text: str) -> None:
    """Append ``text`` to the remote's gitops-bot.yaml (a commit on main)."""
    work = Path(tempfile.mkdtemp(dir=world.tmp)) / "edit"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
    with (work / "gitops-bot.yaml").open("a") as f:
        f.write(text)
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "config")
    git(work, "push", "-q", "origin", "main")
