"""A pin no release can write byte-exactly, through the real CLI on real git and the real
registry: an overlay whose kustomization is JSON with no ``images:`` (the entry a release adds
has no block list to go into), a values file that is one flow mapping (``{replicaCount: 1}``)
and one whose ``image:`` is ``{}`` (the keys a release adds have no block mapping to go into).
``plan`` reads each as ``unsupported`` with the editor's reason and fix, never "a release
writes ..."; ``update`` skips it in one line (exit 0) and releases the run's other environment
as usual, where it exited 2 and released nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.git_http import bare_repository
from testkit.local_git import git
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
CHART_VALUES = "image:\n  repository: {image}\n  tag: 1.0.0\n"
# environment -> (its path, its file's text, what the reason says)
UNWRITABLE = {
    "json": (
        "overlays/json/kustomization.yaml",
        '{"resources": ["../../base"]}\n',
        "overlays/json/kustomization.yaml",
    ),
    "flow": ("chart/values-flow.yaml", "{replicaCount: 1}\n", "the file is not a block mapping"),
    "empty": ("chart/values-empty.yaml", "replicaCount: 1\nimage: {}\n", "image is not a block mapping"),
}


def _origin(tmp_path: Path, image: str, env: str) -> Path:
    path, text, _ = UNWRITABLE[env]
    fine = "overlays/fine" if env == "json" else "chart/values-fine.yaml"
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    helm: {{repository: image.repository, tag: image.tag}}\n"
        f"environments:\n  - {{name: {env}, path: {path}, write: commit}}\n"
        f"  - {{name: fine, path: {fine}, write: commit}}\n"
    )
    return bare_repository(
        tmp_path,
        "origin",
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT.format(image=image),
            "overlays/fine/kustomization.yaml": "resources:\n- ../../base\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "chart/values.yaml": CHART_VALUES.format(image=image),
            "chart/values-fine.yaml": "replicaCount: 1\n",
            path: text,
            "gitops-bot.yaml": config,
        },
    )


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("unwritable/app", ["1.0.0", "1.1.0"], salt="unwritable")
    return f"{registry.host}/unwritable/app"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("env", list(UNWRITABLE))
def test_an_unwritable_pin_is_unsupported_and_the_other_environment_is_released(
    tmp_path: Path, image: str, env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    said = UNWRITABLE[env][2]
    origin = _origin(tmp_path, image, env)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings[env]["status"] == "unsupported", readings[env]
    assert said in readings[env]["reason"] and readings[env]["fix"], readings[env]
    assert readings["fine"]["status"] == "inherited", readings["fine"]
    code, text, err = _run(capsys, "plan", "--repo", str(clone))
    assert code == 0 and "a release writes" not in text.partition("\nfine")[0], text

    code, text, err = _run(capsys, "update", "--repo", f"file://{origin}")
    assert code == 0 and "Traceback" not in err, (text, err)
    skipped = next(line for line in text.splitlines() if "skipped" in line)
    assert f"({env} {image}: unsupported: " in skipped and said in skipped, text
    assert f"fine: {image} 1.0.0 -> 1.1.0" in text, text
    log = git(origin, "log", "--format=%s", "main")
    assert "fine" in log.splitlines()[0] and env not in log.splitlines()[0], log
    shown = git(origin, "show", "--stat", "--format=", "main")
    assert UNWRITABLE[env][0] not in shown, shown
