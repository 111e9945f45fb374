"""A kustomization's ``helmCharts:`` entry whose chart this repository holds (under
``helmGlobals.chartHome``): kustomize inflates it with ``helm template`` over the chart's own
values and the entry's ``valuesFile``/``additionalValuesFiles``, so it is read as an Argo CD
Application over the chart with those value files: the values files' pins, and, for a chart of
Applications (an app of apps a kustomization builds, Vikaspogu/home-ops'
clusters/talos/apps), the Applications it yields, followed."""

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
KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmGlobals:
  chartHome: {home}
helmCharts:
  - name: {name}
    valuesFile: ./common.yaml
    additionalValuesFiles: [./{more}]
"""


def _read(root: Path, path: str, render: RenderSettings | None) -> reader.EnvironmentReading:
    source = reader.Source("dev", (path,), (IMAGE,))
    return reader.Reader(reader.DiskTree(root), root, SPECS, root, render=render).read([source])["dev"]


def test_a_chart_of_applications_a_kustomization_inflates_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    root_chart = app_of_apps.chart([], "helm/charts/apps")
    write(
        tmp_path,
        {
            **app_of_apps.child_chart(IMAGE),
            "chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.1.0\n",
            **root_chart,
            "clusters/one/apps/kustomization.yaml": KUSTOMIZATION.format(
                home="../../../helm/charts", name="apps", more="20-apps.yaml"
            ),
            "clusters/one/apps/common.yaml": f"repoURL: {app_of_apps.HERE}\n",
            # the Applications are listed in the values the kustomization gives, not the chart's
            "clusters/one/apps/20-apps.yaml": "environments:\n  - {name: dev, path: chart, values: values-dev.yaml}\n",
        },
    )
    read = _read(tmp_path, "clusters/one/apps", RenderSettings())
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("chart/values-dev.yaml:3", "1.1.0")
    notes = list(map(str, read.notes))
    assert any(
        "helmCharts entry apps: chart helm/charts/apps read as kustomize inflates it" in n for n in notes
    )


def test_a_chart_of_workloads_a_kustomization_inflates_pins_in_its_values_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **app_of_apps.child_chart(IMAGE, "base/charts/app"),
            "base/kustomization.yaml": KUSTOMIZATION.format(home="charts", name="app", more="prod.yaml"),
            "base/common.yaml": "replicas: 2\n",
            "base/prod.yaml": "image:\n  tag: 2.0.0\n",
        },
    )
    read = _read(tmp_path, "base", None)
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("base/prod.yaml:2", "2.0.0")


def test_an_app_of_apps_value_file_outside_its_chart_is_rendered_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Argo CD reads an Application's value file anywhere in the repository (../clusters/...):
    # helm is given it, so the Applications it lists are yielded
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    source = app_of_apps.source("apps", extra="    helm:\n      valueFiles: [../clusters/dev/apps.yaml]\n")
    write(
        tmp_path,
        {
            **app_of_apps.child_chart(IMAGE),
            "chart/values-dev.yaml": "image:\n  tag: 1.2.0\n",
            **app_of_apps.chart([]),
            "clusters/dev/apps.yaml": "environments:\n  - {name: dev, path: chart, values: values-dev.yaml}\n",
            "root.yaml": app_of_apps.APPLICATION.format(name="root", source=source, namespace="argocd"),
        },
    )
    read = _read(tmp_path, "root.yaml", RenderSettings())
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("chart/values-dev.yaml:2", "1.2.0")


@pytest.mark.parametrize("values", ["apps/values-prod.yaml", "prod.values.yaml"])
def test_a_values_file_of_a_chart_of_applications_is_read_as_installed_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: str
) -> None:
    """Roxxas96/gitops-demo's infrastructure/helm/argo-cd-config: chart/ renders one Application
    per entry of its values, and prod.values.yaml beside it lists them (helm install -f): the
    Applications that file yields are what runs, followed; the file was read as plain values."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    directory = "apps" if values.startswith("apps/") else "chart"
    chart = app_of_apps.chart([], directory)
    write(
        tmp_path,
        {
            **app_of_apps.child_chart(IMAGE, "web"),
            "web/values-prod.yaml": "image:\n  tag: 3.1.0\n",
            **chart,
            values: "environments:\n  - {name: prod, path: web, values: values-prod.yaml}\n",
        },
    )
    read = _read(tmp_path, values, RenderSettings())
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("web/values-prod.yaml:2", "3.1.0")
