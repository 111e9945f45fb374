"""A file an environment renders that the bot cannot read (over the 4 MiB bound, not UTF-8, a
symbolic link leading out of the repository) blocks that environment's release: what it sets is
not known, and a release of the places read would leave the environment on two versions of an
image, never converging. On real git and the real registry:

- ``update`` of a repository whose environment ``dev2`` pins the image in a small file and a
  5 MiB one (a committed ``helm template``) releases nothing into dev2, and says why with the
  file and the fix in its text, its JSON and the Action's summary; the run's other environment is released; exit 0, as
  for any image the run skips with its reason;
- the same where dev2 lives on its own branch (``branch:``);
- ``plan``'s JSON shows the block in dev2's reading and its item, and the GitHub Action's step
  summary says it;
- a symbolic link leading out of the repository among dev2's manifests blocks it the same way.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from gitops_bot import action
from gitops_bot.cli import main
from testkit.actions_env import actions_env
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {image}:1.0.0
"""
CONFIG = """version: 1
images:
  - name: app
    repository: {image}
environments:
  - name: dev
    path: manifests/dev
    write: commit
  - name: dev2
    path: manifests/dev2
    images: [app]
    write: commit{branch}
"""
# ConfigMaps after the worker, as a committed `helm template` of a chart with CRDs holds them
PADDING = "".join(
    f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: {'x' * 2000}\n"
    for i in range(2600)
)
BIG_SAID = "5.1 MiB, more than the 4 MiB the bot reads of a file; what it sets is not read"


def _dev2(image: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """dev2's manifests: the web Deployment, and (``extra``) what else pins the image."""
    return {"manifests/dev2/deploy.yaml": DEPLOYMENT.format(name="web", image=image), **(extra or {})}


def _big(image: str) -> dict[str, str]:
    return {"manifests/dev2/big.yaml": DEPLOYMENT.format(name="worker", image=image) + PADDING}


def _origin(
    tmp_path: Path,
    image: str,
    dev2: dict[str, str],
    *,
    on_branch: bool = False,
    links: dict[str, str] | None = None,
    promoted: bool = False,
) -> Path:
    """A bare remote: main holding the configuration and dev's manifests, and dev2's (on main,
    or on its own branch env/dev2), ``links`` among them (path -> the link's target);
    ``promoted``: dev2 takes promotions from dev."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    branch = ("\n    branch: env/dev2" if on_branch else "") + ("\n    promote_from: dev" if promoted else "")
    write(seed, {"gitops-bot.yaml": CONFIG.format(image=image, branch=branch)})
    write(seed, {"manifests/dev/deploy.yaml": DEPLOYMENT.format(name="web", image=image)})
    if on_branch:
        commit(seed, "main")
        git(seed, "checkout", "-q", "--orphan", "env/dev2")
        git(seed, "rm", "-rqf", ".")
    write(seed, dev2)
    for rel, target in (links or {}).items():
        os.symlink(target, seed / rel)
    commit(seed, "dev2")
    git(seed, "checkout", "-q", "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _dev2_blobs(origin: Path, ref: str) -> str:
    """dev2's files on ``ref`` of the remote: each one's blob."""
    return git(origin, "ls-tree", "-r", ref, "--", "manifests/dev2")


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("unread-blocks/app", ["1.0.0", "1.1.0", "1.2.0"], salt="unread-blocks")
    return f"{registry.host}/unread-blocks/app"


def _update_says_dev2_is_blocked(
    capsys: pytest.CaptureFixture[str], origin: Path, file: str, said: str, fix: str, ref: str
) -> None:
    """``update`` (text, dry run, then JSON) releases dev and nothing of dev2, on ``ref``, saying
    why with ``file``, what was not read of it (``said``) and ``fix``; ``plan``'s JSON shows it."""
    reason = (
        f"{file}, which dev2 renders, is not read ({said}); a release must write every place that sets "
        "a version, so nothing of dev2 is released"
    )
    clone = origin.parent / "clone"
    git(origin.parent, "clone", "-q", str(origin), str(clone))
    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0, err
    plan = json.loads(out)
    (reading,) = [r for r in plan["reading"] if r["environment"] == "dev2"]
    assert (reading["status"], reading["reason"], reading["fix"]) == ("unsupported", reason, fix), reading
    (dev2,) = [e for e in plan["environments"] if e["name"] == "dev2"]
    (item,) = dev2["images"]
    assert (item["action"], item["decision"]["action"]) == ("skip", "skip"), item
    assert reason in item["reason"] and fix in item["reason"], item

    before = {r: git(origin, "rev-parse", r) for r in ("main", ref)}
    dev2_files = _dev2_blobs(origin, ref)
    code, text, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}")
    assert code == 0, err
    assert reason in text and fix in text, text
    # the GitHub Action's step summary, the same run as a dry run
    (origin.parent / "action").mkdir()
    env = actions_env(origin.parent / "action", command="update", repo=f"file://{origin}", dry_run="true")
    with pytest.MonkeyPatch.context() as m:
        m.setattr("os.environ", env)  # the in-process CLI reads the same environment
        assert action.run(env, io.StringIO()) == 0
    written = (origin.parent / "action" / "summary").read_text()
    summary = re.sub(r"\\(.)", r"\1", written)  # markdown's escapes undone
    # (the summary's line is cut at its bound: the file and why come first)
    assert f"skipped (dev2 app: unsupported: {file}, which dev2 renders, is not read (" in summary, summary
    code, out, err = _run(capsys, "update", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    (dev,) = result["results"]  # dev is released in the same run
    assert dev["environment"] == "dev" and dev["action"] == "commit", dev
    assert [(i["image"], i["to"]["tag"]) for i in dev["images"]] == [("app", "1.2.0")], dev
    (skipped,) = [s for s in result["skipped"] if s["environment"] == "dev2"]
    assert reason in skipped["reason"] and fix in skipped["reason"], skipped
    assert git(origin, "rev-parse", "main") != before["main"]  # dev's commit
    if ref != "main":
        assert git(origin, "rev-parse", ref) == before[ref]  # nothing on dev2's branch
    assert _dev2_blobs(origin, ref) == dev2_files  # not one of dev2's files is written
    assert git(origin, "ls-remote", "--heads", str(origin)).count("refs/heads/") == len(set(before))


def test_an_oversize_file_dev2_renders_blocks_its_release_and_dev_is_released(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image, _dev2(image, _big(image)))
    _update_says_dev2_is_blocked(
        capsys, origin, "manifests/dev2/big.yaml", BIG_SAID, "split it into files under 4 MiB", "main"
    )


def test_an_oversize_file_on_dev2s_own_branch_blocks_its_release_the_same(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image, _dev2(image, _big(image)), on_branch=True)
    _update_says_dev2_is_blocked(
        capsys, origin, "manifests/dev2/big.yaml", BIG_SAID, "split it into files under 4 MiB", "env/dev2"
    )


def test_a_link_out_of_the_repository_among_dev2s_manifests_blocks_its_release(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory of manifests shared from the host (``shared -> /srv/...``): what it holds is
    never read, so dev2 is not released, where the reading named the link in a note and
    released the rest."""
    outside = tmp_path / "host-manifests"
    write(outside, {"worker.yaml": DEPLOYMENT.format(name="worker", image=image)})
    origin = _origin(tmp_path, image, _dev2(image), links={"manifests/dev2/shared": str(outside)})
    said = f"a symbolic link to {str(outside)!r}, leading out of the repository; nothing is read through it"
    _update_says_dev2_is_blocked(
        capsys,
        origin,
        "manifests/dev2/shared",
        said,
        "make it a directory in the repository, or remove it",
        "main",
    )


def test_promote_and_rollback_of_an_environment_with_a_file_not_read_are_refused(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """dev2 takes promotions from dev: dev is released 1.2.0, and ``promote dev dev2`` is
    refused by the chain's skip (exit 4, nothing changed) naming the file, why and the fix,
    where it promoted into deploy.yaml alone; ``rollback dev2`` the same."""
    origin = _origin(tmp_path, image, _dev2(image, _big(image)), promoted=True)
    repo = f"file://{origin}"
    code, out, err = _run(capsys, "update", "--env", "dev", "--repo", repo)
    assert code == 0, err
    heads = git(origin, "for-each-ref")
    blocked = "manifests/dev2/big.yaml, which dev2 renders, is not read (5.1 MiB"
    for argv in (["promote", "dev", "dev2"], ["promote", "dev", "dev2", "--dry-run"], ["rollback", "dev2"]):
        code, out, err = _run(capsys, *argv, "--repo", repo)
        assert code == 4, (argv, out, err)
        assert blocked in err and "split it into files under 4 MiB" in err, (argv, err)
        assert git(origin, "for-each-ref") == heads, argv  # nothing pushed, no branch
