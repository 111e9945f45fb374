"""``set-image`` on a kustomization with a name no resource in its tree uses (a misspelt image)
still writes the entry, as kustomize does, and exits 0, but says so in one line on stderr,
naming the closest name that is used; a name that is used, or a tree read only in part, says
nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/team/migrate:1.0.0
      containers:
        - name: app
          image: registry.example.com/team/app:1.0.0@sha256:%s
        - name: side
          image: nginx
""" % ("12" * 32)


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """A git work tree with a base and an overlay on it, as a GitOps repository holds them."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "base").mkdir()
    (tmp_path / "base/deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "base/kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    (tmp_path / "overlays/dev").mkdir(parents=True)
    (tmp_path / "overlays/dev/kustomization.yaml").write_text("resources:\n  - ../../base\n")
    return tmp_path / "overlays/dev/kustomization.yaml"


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "image_not_used" in line]


def test_a_misspelt_name_is_written_and_said_with_the_closest_used_one(
    overlay: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["set-image", "--file", str(overlay), "registry.example.com/team/ap:1.2.0"])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "name: registry.example.com/team/ap\n" in overlay.read_text()  # as kustomize writes it
    (line,) = _warnings(err)
    assert (
        "'registry.example.com/team/ap'" in line and "closest used is 'registry.example.com/team/app'" in line
    )


@pytest.mark.parametrize(
    "arg",
    [
        "registry.example.com/team/app:1.2.0",
        "registry.example.com/team/migrate:2.0.0",  # an init container's
        "nginx=nginx:1.27",  # a short name, as the container writes it
    ],
)
def test_a_name_the_tree_uses_says_nothing(
    overlay: Path, capsys: pytest.CaptureFixture[str], arg: str
) -> None:
    assert main(["set-image", "--file", str(overlay), arg]) == 0
    assert _warnings(capsys.readouterr().err) == []


def test_a_tree_read_in_part_says_nothing(overlay: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A remote resource may use the name: the reader did not look there, so no guess."""
    overlay.write_text("resources:\n  - ../../base\n  - https://github.com/acme/shared//deploy?ref=v1\n")
    assert main(["set-image", "--file", str(overlay), "registry.example.com/team/ap:1.2.0"]) == 0
    assert _warnings(capsys.readouterr().err) == []
