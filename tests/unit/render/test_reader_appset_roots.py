"""An ApplicationSet whose generated Application is itself a root app of apps: its path a chart
whose templates are Applications, or a directory of them. Argo CD creates the generated
Application from the template as if it were written, then renders its path; the reading
follows it the same way, through the same steps as a written root, to the values file pinning
each environment's image."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import app_of_apps
from testkit.kubetools import helm
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
CHILD_CHART = {
    **app_of_apps.child_chart(IMAGE),
    "chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.1.0\n",
    "chart/values-staging.yaml": "image:\n  tag: 1.0.0\n",
}
ENVIRONMENTS = [
    {"name": "dev", "path": "chart", "values": "values-dev.yaml"},
    {"name": "staging", "path": "chart", "values": "values-staging.yaml"},
]
PINS = {"dev": ("chart/values-dev.yaml:3", "1.1.0"), "staging": ("chart/values-staging.yaml:2", "1.0.0")}


def _read(root: Path, render: RenderSettings | None) -> dict[str, reader.EnvironmentReading]:
    sources = [reader.Source(env, ("roots.yaml",), (IMAGE,)) for env in PINS]
    return reader.Reader(reader.DiskTree(root), root, SPECS, root, render=render).read(sources)


def _pinned(read: dict[str, reader.EnvironmentReading]) -> None:
    for env, (place, tag) in PINS.items():
        (image,) = read[env].images
        assert image.status is PinStatus.PINNED, (env, image, read[env].notes)
        assert image.effective is not None and (image.effective.place, image.effective.tag) == (place, tag), (
            image
        )


def test_a_generated_root_whose_chart_yields_applications_is_followed_to_each_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the chart's path is the element's value: helm reads the generated Application, filled
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    appset = app_of_apps.appset([{"cluster": "in-cluster", "dir": "apps"}], "{{.dir}}")
    write(tmp_path, {**CHILD_CHART, **app_of_apps.chart(ENVIRONMENTS), "roots.yaml": appset})
    read = _read(tmp_path, RenderSettings())
    _pinned(read)
    for env in PINS:
        notes = list(map(str, read[env].notes))
        assert "roots.yaml: roots generates root-in-cluster" in notes, notes
        assert f"roots.yaml: root-in-cluster yields app-{env} (apps/templates/applications.yaml)" in notes, (
            notes
        )


def test_a_generated_root_whose_path_is_a_directory_of_applications_is_followed(tmp_path: Path) -> None:
    children = {
        f"children/{e['name']}.yaml": app_of_apps.root("chart", f"app-{e['name']}").replace(
            "    path: chart\n", f"    path: chart\n    helm:\n      valueFiles: [{e['values']}]\n"
        )
        for e in ENVIRONMENTS
    }
    appset = app_of_apps.appset([{"cluster": "in-cluster"}], "children")
    write(tmp_path, {**CHILD_CHART, **children, "roots.yaml": appset})
    read = _read(tmp_path, None)  # the files as written: no tool needed
    _pinned(read)
    assert "roots.yaml: root-in-cluster deploys app-dev (children/dev.yaml)" in map(str, read["dev"].notes)
