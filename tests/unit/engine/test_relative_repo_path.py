"""``--repo .`` (the docs' own form) reads every environment as an absolute path to the same
checkout does: the renderer and the marked render included. A kustomization reached by a
relative path was walked as a path under itself, found "not in the repository", and the
renderer's reading silently fell back to the rules'."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.app import open_app
from testkit.kubetools import kubectl

ROLLOUT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: web:v1.0.0
        imagePullPolicy: Never
"""
FILES = {
    "gitops-bot.yaml": (
        "version: 1\nimages:\n- name: web\n  policy: semver\nenvironments:\n"
        "- name: dev\n  path: overlays/dev\n- name: prod\n  path: overlays/prod\n"
    ),
    "base/kustomization.yaml": "resources:\n- web.yaml\n",
    "base/web.yaml": ROLLOUT,
    "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamePrefix: prod-\n",
}


def test_a_relative_repository_path_reads_what_an_absolute_one_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    absolute = open_app(root).readings()
    monkeypatch.chdir(root)
    relative = open_app(Path(".")).readings()
    assert relative == absolute
    # the renderer read it: only the render knows the node's own copy is what runs
    web = relative["dev"].image("web")
    assert web is not None and web.status is PinStatus.UNSUPPORTED, web
