"""One story on GitHub or another forge: what a story test reads of either world (its remote,
its images, its change requests with the auto-merge requested on each), and the bot run on
its remote with its clock set by the test."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit import forge_world, update_world
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

# The head of a story's gitops-bot.yaml: its one image (``{image}``), released within 1.x
IMAGE_CONFIG = """version: 1
images:
  - name: {image}
    repository: {image}
    range: "^1"
"""
# The one Deployment the stories' shared base holds (``{image}``: the story's image), at 1.0.0
APP_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {{app: app}}
  template:
    metadata:
      labels: {{app: app}}
    spec:
      containers:
        - name: app
          image: {image}:1.0.0
"""


@dataclass
class Story:
    """What the story reads of either world: its remote, its images and its change requests."""

    remote: Path
    tmp: Path
    world: Any

    def push(self, repo: str, tag: str) -> str:
        return str(self.world.push(repo, tag))

    def show(self, path: str, ref: str = "main") -> str:
        """``path`` on ``ref`` ("" when it has no such file)."""
        if not git(self.remote, "ls-tree", "--name-only", ref, "--", path):
            return ""
        return git(self.remote, "show", f"{ref}:{path}")

    def files(self, ref: str = "main") -> dict[str, bytes]:
        """Every file on ``ref`` of the remote, byte for byte: the tree listed once (its blobs'
        ids, so what is read is that one commit's) and read by one ``git cat-file --batch`` (a
        story asks a dozen times, a ``git show`` a file was most of its git runs)."""
        listed = git(self.remote, "ls-tree", "-r", "-z", "--full-tree", f"{ref}^{{commit}}").split("\0")
        blobs: dict[str, str] = {}
        for entry in filter(None, listed):
            info, _, name = entry.partition("\t")
            _, kind, oid = info.split(" ")
            assert kind == "blob", (name, kind)
            blobs[name] = oid
        out = subprocess.run(
            ["git", "-C", str(self.remote), "cat-file", "--batch"],
            input="".join(f"{oid}\n" for oid in blobs.values()).encode(),
            check=True,
            capture_output=True,
        ).stdout
        found: dict[str, bytes] = {}
        at = 0
        for n, oid in blobs.items():
            end = out.index(b"\n", at)
            got, batch_kind, size = out[at:end].split(b" ")
            assert (got, batch_kind) == (oid.encode(), b"blob"), (n, got, batch_kind)
            found[n] = out[end + 1 : end + 1 + int(size)]
            at = end + 1 + int(size) + 1  # the content, then the newline the batch adds
        assert at == len(out), (ref, len(out) - at)
        return found

    def checkout(self) -> Path:
        """A fresh clone of main, for the commands that read a working tree (``plan``)."""
        clone = Path(tempfile.mkdtemp(dir=self.tmp)) / "checkout"
        git(self.tmp, "clone", "-q", str(self.remote), str(clone))
        return clone

    def open_requests(self) -> list[dict[str, Any]]:
        """The open change requests: number, head branch, body and the auto-merge method
        requested (None: not requested)."""
        if isinstance(self.world, update_world.World):
            return [
                {
                    "number": p["number"],
                    "head": p["head"]["ref"],
                    "body": p["body"],
                    "auto_merge": (p["auto_merge"] or {}).get("merge_method"),
                }
                for p in self.world.github.open_pulls()
            ]
        return [
            {"number": v["number"], "head": v["head"], "body": v["body"], "auto_merge": v["auto_merge"]}
            for v in self.world.forge.open_views()
        ]

    def merge(self, number: int) -> None:
        if isinstance(self.world, update_world.World):
            self.world.github.merge(number)
        else:
            self.world.forge.merge(number)

    def edit_config(self, old: str, new: str) -> None:
        """Replace ``old`` with ``new`` in gitops-bot.yaml on main (a person's commit)."""
        self.commit({"gitops-bot.yaml": lambda text: text.replace(old, new, 1) if old in text else ""})

    def commit(self, files: dict[str, Callable[[str], str]]) -> None:
        """One commit on main writing each file as its function makes it of what it holds
        ("" when absent); a function answering "" where a file is expected fails the story."""
        clone = Path(tempfile.mkdtemp(dir=self.tmp)) / "edit"
        git(self.tmp, "clone", "-q", str(self.remote), str(clone))
        for name, make in files.items():
            path = clone / name
            text = make(path.read_text() if path.exists() else "")
            assert text, f"{name}: nothing to write"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(clone, "add", "-A")
        git(clone, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "by hand")
        git(clone, "push", "-q", "origin", "main")

    def fail_listing(self, status: int) -> None:
        """The forge (GitHub or GitLab) answers ``status`` to the listing of open change
        requests from now on."""
        if isinstance(self.world, update_world.World):
            self.world.github.fail["GET /repos/acme/gitops/pulls"] = (status, {"message": "no"}, {})
        else:
            self.world.forge.fail["GET /projects/[^/]+/merge_requests"] = (status, {"message": "no"}, {})

    def unexpected(self) -> list[Any]:
        forge = self.world.github if isinstance(self.world, update_world.World) else self.world.forge
        return list(forge.unexpected)


def stories(
    kind: str, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``kind`` ("github", "gitlab"): staging opens pull requests with
    auto-merge, dev commits (and on GitLab production is promoted from staging)."""
    if kind == "github":
        worlds: Iterator[Any] = update_world.world_with_token(tmp_path, registry, monkeypatch)
    else:
        worlds = forge_world.make_world(tmp_path, registry, monkeypatch, kind, "environment")
    for world in worlds:
        yield Story(world.remote, world.tmp, world)


def run(capsys: pytest.CaptureFixture[str], story: Story, when: datetime, *argv: str) -> dict[str, Any]:
    """``gitops-bot ARGV`` on the story's remote with the bot's clock at ``when``; its JSON."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        code = main([*argv, "--repo", f"file://{story.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]
