"""`init --write` then `plan` over the same commit renders each environment once: the plan's
reading finds the render `init` kept, since gitops-bot.yaml (which `init --write` writes between
the two) is no file kubectl kustomize reads. Counted as kubectl runs, through a wrapper around
the real kubectl."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import kubetools

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: {registry}/acme/app:1.0.0
"""


@pytest.fixture
def down() -> Iterator[str]:
    """A registry port nothing listens on (bound, never listening: nobody else takes it)."""
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{dead.getsockname()[1]}"


def _repo(root: Path, registry: str) -> Path:
    files = {
        "base/kustomization.yaml": "resources:\n- d.yaml\n",
        "base/d.yaml": DEPLOYMENT.format(registry=registry),
        "overlays/dev/kustomization.yaml": (
            f"resources:\n- ../../base\nimages:\n- name: {registry}/acme/app\n  newTag: 1.1.0\n"
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "overlay"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *argv], cwd=root, check=True
        )
    return root


@pytest.mark.usefixtures("quick_registry_retries")
def test_init_write_then_plan_renders_once(
    tmp_path: Path, down: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "kubectl-runs"
    wrapper = tmp_path / "kubectl"
    wrapper.write_text(f'#!/bin/sh\necho x "$@" >> {runs}\nexec {kubetools.kubectl()} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", str(wrapper))
    repo = _repo(tmp_path / "repo", down)
    assert main(["init", "--repo", str(repo), "--write"]) == 0
    assert (repo / "gitops-bot.yaml").is_file()
    rendered = runs.read_text()
    assert "kustomize" in rendered  # init's plan renders dev
    code = main(["plan", "--repo", str(repo)])
    err = capsys.readouterr().err
    assert code == 3 and f"registry {down} unreachable" in err  # the reading came first
    assert runs.read_text() == rendered  # and rendered nothing again
