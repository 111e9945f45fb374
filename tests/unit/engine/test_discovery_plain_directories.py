"""A repository holding no overlay, Application, Flux object or values file but workloads
below its root: plain manifests directories (``k8s-manifests/laravel`` and ``.../spring``), or
one kustomization nothing includes (``config/base``, or the root's), is one environment,
``default``, found by shape and said as a guess; never "found no environment"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: {app}}}
spec:
  template:
    spec:
      containers:
      - name: {app}
        image: ghcr.io/acme/{app}:1.0.0
"""


@pytest.mark.parametrize(
    ("files", "paths"),
    [
        (
            {
                "k8s/laravel/deploy.yml": ROLLOUT.format(app="laravel"),
                "k8s/spring/deploy.yaml": ROLLOUT.format(app="spring"),
                "tests/e2e/pod.yaml": ROLLOUT.format(app="probe"),
            },
            ("k8s/laravel", "k8s/spring"),
        ),
        (
            {
                "config/base/kustomization.yaml": "resources: [manager.yaml]\n",
                "config/base/manager.yaml": ROLLOUT.format(app="manager"),
            },
            ("config/base",),
        ),
        (
            {"kustomization.yaml": "resources: [app.yaml]\n", "app.yaml": ROLLOUT.format(app="app")},
            (".",),
        ),
    ],
    ids=["directories", "lone-kustomization", "root-kustomization"],
)
def test_workloads_below_the_root_are_one_guessed_environment(
    tmp_path: Path, files: dict[str, str], paths: tuple[str, ...]
) -> None:
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", paths)]
    assert found.images and "probe" not in {i.name for i in found.images}
    assert "# guess: no Argo CD, Flux or Kargo object" in config_text(found)
