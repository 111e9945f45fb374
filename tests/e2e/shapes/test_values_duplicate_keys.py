"""A values file writing ``tag:`` three times (a CI script appending), through the real CLI on
real git and the real registry: helm renders it, the last key winning, so ``plan`` reads the
version there (not "not YAML the bot can read", exit 2); no release writes a key written twice,
so it is ``unsupported`` with each line and the fix, and ``update`` releases the run's other
environment as usual."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import kubetools
from testkit.git_http import bare_repository
from testkit.local_git import git
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

TEMPLATE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
    '      containers:\n      - name: c\n        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
)
DUPLICATED = 'image:\n  tag: "1.0.0"\n\n  tag: "0.9.0"\n\n  tag: "1.0.0"\n'


def _origin(tmp_path: Path, image: str) -> Path:
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    helm: {{repository: image.repository, tag: image.tag}}\n"
        "environments:\n  - {name: dup, path: chart/values-dup.yaml, write: commit}\n"
        "  - {name: fine, path: chart/values-fine.yaml, write: commit}\n"
    )
    return bare_repository(
        tmp_path,
        "origin",
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "chart/values.yaml": f"image:\n  repository: {image}\n  tag: 1.0.0\n",
            "chart/templates/deployment.yaml": TEMPLATE,
            "chart/values-dup.yaml": DUPLICATED,
            "chart/values-fine.yaml": "replicaCount: 1\n",
            "gitops-bot.yaml": config,
        },
    )


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("dupkeys/app", ["1.0.0", "1.1.0"], salt="dupkeys")
    return f"{registry.host}/dupkeys/app"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_last_tag_is_read_as_helm_renders_it_and_never_written(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _origin(tmp_path, image)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    rendered = subprocess.run(
        [kubetools.helm(), "template", "x", str(clone / "chart"), "-f", str(clone / "chart/values-dup.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f'image: "{image}:1.0.0"' in rendered, rendered  # helm: the last tag: wins

    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    dup = readings["dup"]
    assert dup["status"] == "unsupported", dup
    assert [(p["file"], p["line"]) for p in dup["pins"] if p["effective"]] == [
        ("chart/values-dup.yaml", 6)
    ], dup
    assert "duplicate key 'tag' (lines 2, 4, 6)" in dup["reason"], dup
    assert dup["fix"] == "keep one tag: and delete the others", dup
    assert readings["fine"]["status"] == "inherited", readings["fine"]

    code, text, err = _run(capsys, "update", "--repo", f"file://{origin}")
    assert code == 0 and "Traceback" not in err, (text, err)
    assert f"fine: {image} 1.0.0 -> 1.1.0" in text, text
    assert "(dup " in next(line for line in text.splitlines() if "skipped" in line), text
    shown = git(origin, "show", "--stat", "--format=", "main")
    assert "values-dup.yaml" not in shown, shown
