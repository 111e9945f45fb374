"""Multi-source Applications in an app of apps (mctlhq/mctl-gitops' monitoring and temporal: a
chart from a chart repository, then sources of this repository, one with a path, one lending its
files as $ref): followed as a single-source one is, in each shape an app of apps takes (a
directory of Applications, a kustomization of them, a chart yielding them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import app_of_apps
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
CHART = {**app_of_apps.child_chart(IMAGE), "envs/values-dev.yaml": "image:\n  tag: 1.1.0\n"}
MULTI = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-dev
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://charts.example.com
      chart: metrics
      targetRevision: "1.0.0"
    - repoURL: {repo}
      targetRevision: HEAD
      path: chart
      helm:
        valueFiles: [$values/envs/values-dev.yaml]
    - repoURL: {repo}
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: dev
"""


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())


SHAPES = {
    "written": ({"apps/dev.yaml": MULTI.format(repo=app_of_apps.HERE)}, "apps/dev.yaml"),
    "directory": (
        {"apps/dev.yaml": MULTI.format(repo=app_of_apps.HERE), "root.yaml": app_of_apps.root("apps")},
        "root.yaml",
    ),
    "kustomization": (
        {
            "apps/dev.yaml": MULTI.format(repo=app_of_apps.HERE),
            "apps/kustomization.yaml": "resources: [dev.yaml]\n",
            "root.yaml": app_of_apps.root("apps"),
        },
        "root.yaml",
    ),
    "chart": (
        {
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "apps/values.yaml": f"repoURL: {app_of_apps.HERE}\n",
            "apps/templates/dev/dev.yaml": MULTI.format(repo="{{ .Values.repoURL }}"),
            "root.yaml": app_of_apps.root("apps"),
        },
        "root.yaml",
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_multi_source_application_of_an_app_of_apps_is_followed(tmp_path: Path, shape: str) -> None:
    files, path = SHAPES[shape]
    write(tmp_path, {**CHART, **files})
    source = reader.Source("dev", (path,), (IMAGE,))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path, render=RenderSettings()).read(
        [source]
    )["dev"]
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("envs/values-dev.yaml:2", "1.1.0"), image
