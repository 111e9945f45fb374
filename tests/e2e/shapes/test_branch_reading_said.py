"""What a local ``plan`` could not see as ``update`` will, said in its text and JSON (the
environment's notes), with the fix; on real git and the real registry.

- An environment on its own branch (``branch:``) is read from the checkout's ``origin/<branch>``
  as the last fetch left it, where ``update`` fetches first: the plan names the commit it read,
  when it was fetched and the fetch that reads it anew, and changes nothing in the checkout; a
  branch never fetched, read as the local branch of that name, is said so.
- A symbolic link on the base branch leading out of the repository is named, as the branch's
  tree and the rendered diff name it, where the disk's reading skipped it without a word.
- A file over the bound the bot reads is a note on an environment's branch as on the base (the
  same words), where on the branch it stopped the whole run; the environment rendering it is
  released nothing (tests/e2e/shapes/test_unread_file_blocks_release.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.git.branch_tree import MAX_BLOB
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

OVERLAY = "resources:\n- ../../base\nimages:\n- name: app\n  newName: {image}\n  newTag: {tag}\n"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:0.1.0
"""
CONFIG = """version: 1
images:
  - name: app
    repository: {image}
environments:
  - name: staging
    path: overlays/staging
    branch: env/staging
  - name: production
    path: overlays/production
"""
BASE = {"base/kustomization.yaml": "resources:\n- deployment.yaml\n", "base/deployment.yaml": DEPLOYMENT}


def _origin(tmp_path: Path, image: str) -> Path:
    """A remote: main holding the configuration and production's overlay; env/staging
    staging's own files."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    write(seed, {**BASE, "gitops-bot.yaml": CONFIG.format(image=image)})
    write(seed, {"overlays/production/kustomization.yaml": OVERLAY.format(image=image, tag="1.0.0")})
    commit(seed, "main")
    git(seed, "checkout", "-q", "--orphan", "env/staging")
    git(seed, "rm", "-rqf", ".")
    write(seed, {**BASE, "overlays/staging/kustomization.yaml": OVERLAY.format(image=image, tag="1.0.0")})
    commit(seed, "staging")
    git(seed, "checkout", "-q", "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


def _on_branch(tmp_path: Path, origin: Path, change: dict[str, str], message: str) -> str:
    """A person's commit on origin's env/staging; its id."""
    person = tmp_path / f"person-{message.replace(' ', '-')}"
    git(tmp_path, "clone", "-q", "-b", "env/staging", str(origin), str(person))
    write(person, change)
    made = commit(person, message)
    git(person, "push", "-q", "origin", "HEAD:refs/heads/env/staging")
    return made


def _plan(capsys: pytest.CaptureFixture[str], repo: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """plan's text and its JSON's environments by name."""
    capsys.readouterr()
    assert main(["plan", "--repo", str(repo)]) == 0, capsys.readouterr().err
    text = capsys.readouterr().out
    assert main(["plan", "--repo", str(repo), "--output", "json"]) == 0, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    return text, {e["name"]: {**e, "reading": [r for r in doc["reading"] if r["environment"] == e["name"]]}
                  for e in doc["environments"]}  # fmt: skip


def _state(repo: Path) -> tuple[str, ...]:
    """What a dry run must leave as it was: every ref, the index and the working tree."""
    return (
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        (repo / ".git" / "index").read_bytes().hex(),
    )


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("reading-said/app", ["1.0.0", "1.1.0", "1.2.0"], salt="reading-said")
    return f"{registry.host}/reading-said/app"


def test_a_local_plan_says_which_commit_of_the_branch_it_read_as_fetched_when(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    cloned = git(clone, "rev-parse", "origin/env/staging").strip()
    # the remote moves on after the clone: a person releases 1.2.0 to staging there
    newer = _on_branch(tmp_path, origin, {"overlays/staging/kustomization.yaml": OVERLAY.format(
        image=image, tag="1.2.0")}, "staging to 1.2.0")  # fmt: skip

    before = _state(clone)
    text, envs = _plan(capsys, clone)
    assert _state(clone) == before  # a plan fetches nothing, moves nothing
    said = (
        rf"branch env/staging: read origin/env/staging at {cloned[:12]}, as fetched "
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((under a minute|\d+m) ago\); update fetches it first: "
        r"to plan what the remote holds now, git fetch origin env/staging"
    )
    (note,) = envs["staging"]["notes"]
    assert re.fullmatch(said, note), note
    assert f"  note: {note}\n" in text.split("production")[0], text  # under staging, in the text
    assert "notes" not in envs["production"], envs["production"]  # the base: read as checked out
    (staging,) = envs["staging"]["images"]
    assert staging["current"]["tag"] == "1.0.0", staging  # what the last fetch brought

    git(clone, "fetch", "-q", "origin", "env/staging")  # the fix the note gives
    _, envs = _plan(capsys, clone)
    (note,) = envs["staging"]["notes"]
    assert note.startswith(f"branch env/staging: read origin/env/staging at {newer[:12]}, as fetched "), note
    (staging,) = envs["staging"]["images"]
    assert staging["current"]["tag"] == "1.2.0", staging


def test_a_branch_never_fetched_is_said_to_be_the_local_one(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image)
    repo = tmp_path / "local"
    git(tmp_path, "clone", "-q", str(origin), str(repo))
    git(repo, "branch", "-q", "env/staging", "origin/env/staging")  # a local branch alone
    git(repo, "update-ref", "-d", "refs/remotes/origin/env/staging")
    at = git(repo, "rev-parse", "env/staging").strip()
    _, envs = _plan(capsys, repo)
    assert envs["staging"]["notes"] == [
        f"branch env/staging: read the local branch env/staging at {at[:12]} (no origin/env/staging "
        "fetched); update reads the remote's: to plan what it holds, git fetch origin env/staging"
    ]


def test_a_link_on_the_base_leading_out_of_the_repository_is_named_with_the_fix(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    outside = tmp_path / "host-dir"
    write(outside, {"kustomization.yaml": "resources:\n- d.yaml\n", "d.yaml": DEPLOYMENT})
    overlay = clone / "overlays/production"
    (overlay / "kustomization.yaml").write_text(
        OVERLAY.format(image=image, tag="1.0.0").replace("- ../../base\n", "- ../../base\n- ext\n")
    )
    os.symlink(str(outside), overlay / "ext")
    text, envs = _plan(capsys, clone)
    note = (
        f"overlays/production/ext: a symbolic link to {str(outside)!r}, leading out of the repository; "
        "nothing is read through it: make it a directory in the repository, or remove it"
    )
    assert envs["production"]["notes"] == [note], envs["production"]
    assert f"  note: {note}\n" in text.split("production", 1)[1], text


def test_a_file_over_the_bound_is_a_note_on_the_branch_as_on_the_base(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file the bot will not read whole (4 MiB) is named with its size and the fix, on either
    branch; what it sets is not known, so each environment rendering it is released nothing,
    its image saying why (a plan of every environment blocked is still a plan: exit 0)."""
    big = "# " + "x" * (MAX_BLOB + (1 << 19)) + "\n"  # 4.5 MiB
    with_big = OVERLAY.replace("- ../../base\n", "- ../../base\n- big.yaml\n")
    origin = _origin(tmp_path, image)
    _on_branch(tmp_path, origin, {"overlays/staging/big.yaml": big, "overlays/staging/kustomization.yaml":
        with_big.format(image=image, tag="1.0.0")}, "a big file")  # fmt: skip
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    write(clone, {"overlays/production/big.yaml": big})
    write(clone, {"overlays/production/kustomization.yaml": with_big.format(image=image, tag="1.0.0")})
    commit(clone, "a big file on the base")
    text, envs = _plan(capsys, clone)
    for env in ("staging", "production"):
        said = (
            f"overlays/{env}/big.yaml: 4.5 MiB, more than the 4 MiB the bot reads of a file; what it sets "
            "is not read: split it into files under 4 MiB"
        )
        assert said in envs[env]["notes"], envs[env]
        assert f"  note: {said}\n" in text, text
        (reading,) = envs[env]["reading"]
        assert reading["status"] == "unsupported", reading
        assert reading["reason"].startswith(f"overlays/{env}/big.yaml, which {env} renders, is not read"), (
            reading
        )
        assert reading["fix"] == "split it into files under 4 MiB", reading
        (item,) = envs[env]["images"]
        assert item["action"] == "skip" and reading["reason"] in item["reason"], item
