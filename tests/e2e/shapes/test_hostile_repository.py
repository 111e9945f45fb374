"""A repository broken the ways a user's can be, through the real CLI on real git and the real
registry: ``plan`` and ``update --dry-run`` over environments that kustomize refuses to build (a
resources: cycle, a Kustomization under components:, two kustomization files, a JSON 6902
operation past the containers, a resource out of the repository), one listing a symbolic link
loop, a loop nothing renders (``docs/loop``), and one environment that is fine. Each broken
environment is skipped in one line naming its file, why and the fix (exit 0), nothing is
proposed into it, and the fine one is released as usual: no traceback, nothing written.

The same where a loop is on an environment's own branch (``branch:``): that environment is
skipped with the loop named, the others released, where the run stopped at the link."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: {image}:1.0.0
"""
JSON6902 = """resources:
- ../../base
patches:
- target:
    kind: Deployment
    name: app
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/1/image
      value: {image}:1.0.0
"""
# environment -> (its kustomization, what else its overlay holds)
BROKEN = {
    "cycle": (
        "resources:\n- ../../base\n- ../loopback\n",
        {"overlays/loopback/kustomization.yaml": "resources:\n- ../cycle\n"},
    ),
    "component": (
        "resources:\n- ../../base\ncomponents:\n- ../../extra\n",
        {"extra/kustomization.yaml": "resources: []\n"},
    ),
    "twofiles": (
        "resources:\n- ../../base\n",
        {"overlays/twofiles/kustomization.yml": "resources:\n- ../../base\n"},
    ),
    "jsonpatch": (JSON6902, {}),
    "outside": ("resources:\n- ../../base\n- ../../../shared\n", {}),
    "linkloop": ("resources:\n- ../../base\n- a\n", {}),
}
SAID = {
    "cycle": "kustomize refuses overlays/loopback/kustomization.yaml: its resources: entry '../cycle' leads back to overlays/cycle, a kustomization this one is built in (a cycle)",
    "component": "kustomize refuses overlays/component/kustomization.yaml: its components: entry '../../extra' is a Kustomization (extra/kustomization.yaml), not a Component",
    "twofiles": "kustomize refuses overlays/twofiles: it holds kustomization.yaml and kustomization.yml",
    "jsonpatch": "does not apply to Deployment app: it has no /spec/template/spec/containers/1 (its containers holds 1)",
    "outside": "overlays/outside/kustomization.yaml: its resources: entry '../../../shared' leads out of the repository",
    "linkloop": "overlays/linkloop/a, which linkloop renders, is not read (a symbolic link to 'b' that leads back to itself (a link loop)",
}


def _config(image: str, names: list[str], branch: str = "") -> str:
    envs = "".join(f"  - name: {n}\n    path: overlays/{n}\n    write: commit\n" for n in names)
    return f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n{envs}{branch}"


def _origin(tmp_path: Path, image: str) -> Path:
    seed = tmp_path / "seed"
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.format(image=image),
        "overlays/fine/kustomization.yaml": "resources:\n- ../../base\n",
        "gitops-bot.yaml": _config(image, ["fine", *BROKEN]),
    }
    for name, (kustomization, extra) in BROKEN.items():
        files[f"overlays/{name}/kustomization.yaml"] = kustomization.format(image=image)
        files.update(extra)
    write(seed, files)
    os.symlink("b", seed / "overlays/linkloop/a")
    os.symlink("a", seed / "overlays/linkloop/b")
    (seed / "docs").mkdir()
    os.symlink("loop", seed / "docs/loop")
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "hostile")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("hostile-repo/app", ["1.0.0", "1.1.0"], salt="hostile-repo")
    return f"{registry.host}/hostile-repo/app"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_and_a_dry_run_skip_each_broken_environment_in_one_line_and_release_the_fine_one(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    plan = json.loads(out)
    readings = {r["environment"]: r for r in plan["reading"]}
    assert readings["fine"]["status"] == "inherited", readings["fine"]
    for name, said in SAID.items():
        assert readings[name]["status"] == "unsupported" and said in readings[name]["reason"], readings[name]
        assert readings[name]["fix"], readings[name]
    items = {e["name"]: e["images"] for e in plan["environments"]}
    assert [i["action"] for i in items["fine"]] == ["update"], items["fine"]
    assert all(items[n] and all(i["action"] == "skip" for i in items[n]) for n in BROKEN), items

    heads = git(origin, "for-each-ref")
    code, text, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}")
    assert code == 0 and "Traceback" not in err, err
    assert f"{len(BROKEN)} skipped (cycle {image}: unsupported: {SAID['cycle']}" in text, text
    assert f"fine: {image} 1.0.0 -> 1.1.0: dry run, nothing changed (main)" in text, text
    code, out, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    result = json.loads(out)
    skipped = {s["environment"]: s["reason"] for s in result["skipped"]}
    assert set(skipped) == set(BROKEN), skipped
    for name, said in SAID.items():
        assert said in skipped[name] and "(fix: " in skipped[name], skipped[name]
    assert [r["environment"] for r in result["results"]] == ["fine"], result["results"]
    assert git(origin, "for-each-ref") == heads  # a dry run: nothing pushed


def test_a_link_loop_on_an_environments_branch_skips_it_and_the_run_goes_on(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed"
    base = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.format(image=image),
        "overlays/fine/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/linkloop/kustomization.yaml": "resources:\n- ../../base\n- a\n",
    }
    write(
        seed,
        {
            **base,
            "gitops-bot.yaml": _config(image, ["fine"])
            + _config(image, ["linkloop"]).partition("environments:\n")[2]
            + "    branch: env/linkloop\n",
        },
    )
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "main")
    git(seed, "checkout", "-q", "-b", "env/linkloop")
    os.symlink("b", seed / "overlays/linkloop/a")
    os.symlink("a", seed / "overlays/linkloop/b")
    commit(seed, "a link loop")
    git(seed, "checkout", "-q", "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    code, out, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    result = json.loads(out)
    (skipped,) = [s for s in result["skipped"] if s["environment"] == "linkloop"]
    assert SAID["linkloop"] in skipped["reason"], skipped
    assert [r["environment"] for r in result["results"]] == ["fine"], result["results"]
