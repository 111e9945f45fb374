"""Roots pointing at each other: an Application whose path holds the Application pointing back
(a root managing itself, kept in the kustomization it builds; two roots each deploying the
other's directory; a chart of Applications yielding the directory of the root over it). Argo
CD applies such a cycle once: the environment is read through the Application rendering its
path, followed once, each Application met again said as a loop, and a cycle the walk closes
said on the plan. Each read "not rendered"."""

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
CHART = {**app_of_apps.child_chart(IMAGE), "chart/values-dev.yaml": "image:\n  tag: 1.1.0\n"}


def _app(name: str, path: str, extra: str = "") -> str:
    return app_of_apps.APPLICATION.format(
        name=name, source=app_of_apps.source(path, extra=extra), namespace="argocd"
    )


DEV = _app("app-dev", "chart", "    helm:\n      valueFiles: [values-dev.yaml]\n")


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())


def _read(root: Path, files: dict[str, str], path: str) -> reader.EnvironmentReading:
    write(root, {**CHART, **files})
    source = reader.Source("dev", (path,), (IMAGE,))
    read = reader.Reader(reader.DiskTree(root), root, SPECS, root, render=RenderSettings()).read([source])
    (image,) = read["dev"].images
    assert image.status is PinStatus.PINNED, (image, read["dev"].notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("chart/values-dev.yaml:2", "1.1.0"), image
    return read["dev"]


SELF_MANAGED = {
    "children/kustomization.yaml": "resources: [dev.yaml, root.yaml]\n",
    "children/dev.yaml": DEV,
    "children/root.yaml": _app("root", "children"),
}


@pytest.mark.parametrize("path", ["children/root.yaml", "children"])
def test_a_root_kept_in_the_kustomization_it_builds_is_followed(tmp_path: Path, path: str) -> None:
    # from its own file, the build's copy lacked it ('kubectl kustomize children failed: ...
    # root.yaml: no such file'); from the directory, it was read as plain manifests
    read = _read(tmp_path, SELF_MANAGED, path)
    assert "children/root.yaml: root builds app-dev (children/kustomization.yaml)" in map(str, read.notes)
    if path == "children":
        said = "children: deployed by root (children/root.yaml), followed as Argo CD applies it"
        assert said in map(str, read.notes), read.notes


TWO_ROOTS = {
    "one/kustomization.yaml": "resources: [a.yaml]\n",
    "one/a.yaml": _app("a", "two"),
    "two/kustomization.yaml": "resources: [b.yaml, dev.yaml]\n",
    "two/b.yaml": _app("b", "one"),
    "two/dev.yaml": DEV,
}


def test_two_roots_deploying_each_other_are_followed_once_and_the_cycle_said(tmp_path: Path) -> None:
    read = _read(tmp_path, TWO_ROOTS, "one")
    cycle = (
        "one: deployed by b (two/b.yaml), which what one renders deploys in turn: a cycle of roots, "
        "followed once from b"
    )
    assert cycle in read.said, read.said
    assert "one/kustomization.yaml: a builds app-dev (two/kustomization.yaml)" in map(str, read.notes)


def test_every_application_of_the_cycle_followed_meets_the_root_again_as_a_loop(tmp_path: Path) -> None:
    # an environment whose name picks none of them follows them all: b, met again, is said
    files = {**TWO_ROOTS, "two/dev.yaml": DEV.replace("app-dev", "web")}
    write(tmp_path, {**CHART, **files})
    source = reader.Source("qa", ("one",), (IMAGE,))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path, render=RenderSettings()).read(
        [source]
    )["qa"]
    (image,) = read.images
    assert image.status is PinStatus.PINNED, (image, read.notes)
    loop = "b renders one, which b (two/b.yaml) renders already: a loop of apps of apps, not followed"
    assert any(loop in str(n) for n in read.notes), read.notes


def test_a_chart_of_applications_the_root_it_yields_deploys_is_read_through_that_root(tmp_path: Path) -> None:
    # apps yields app-boot over boot/, which holds the root over apps: the chart was read as
    # plain files, its templates as manifests ('not valid YAML'), the image 'not rendered'
    environments = [
        {"name": "dev", "path": "chart", "values": "values-dev.yaml"},
        {"name": "boot", "path": "boot"},
    ]
    files = {**app_of_apps.chart(environments), "boot/root.yaml": _app("root", "apps")}
    read = _read(tmp_path, files, "apps")
    notes = list(map(str, read.notes))
    assert "apps: deployed by root (boot/root.yaml), followed as Argo CD applies it" in notes, notes
    assert "boot/root.yaml: root yields app-dev (apps/templates/applications.yaml)" in notes, notes
    assert not [n for n in notes if "not valid YAML" in n], notes


def test_a_root_among_the_templates_of_the_chart_it_renders_is_followed(tmp_path: Path) -> None:
    """mctlhq/mctl-gitops platform-gitops/bootstrap: the chart of Applications holds root-app,
    which deploys the chart itself ({{ .Values.spec.source.repoURL }}, a template no YAML reads
    whole). The Applications it yields were 'not followed', and each image read 'not rendered'."""
    root_app = app_of_apps.APPLICATION.format(
        name="root-app",
        source=app_of_apps.source(
            "apps", "{{ .Values.repoURL }}", "    helm:\n      valueFiles: [values.yaml]\n"
        ),
        namespace="argocd",
    )
    assert "{{ .Values.repoURL }}" in root_app
    files = {
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
        "apps/values.yaml": f"repoURL: {app_of_apps.HERE}\n",
        "apps/templates/root-app.yaml": root_app,
        "apps/templates/dev.yaml": DEV,
    }
    _read(tmp_path, files, "apps")


@pytest.mark.parametrize("path", ["root", "chart"])
def test_a_chart_whose_kustomization_lists_its_own_helm_application_is_no_loop(
    tmp_path: Path, path: str
) -> None:
    """jomcgi/homelab projects/platform/nats: the kustomization the root builds lists the
    Application beside it, whose explicit ``helm:`` source renders that same directory as its
    chart (Argo CD's ExplicitType before discovery). It was read as a loop of apps of apps,
    each image not read."""
    files = {
        "root/kustomization.yaml": "resources: [../chart]\n",
        "chart/kustomization.yaml": "resources: [application.yaml]\n",
        "chart/application.yaml": DEV,
    }
    notes = list(map(str, _read(tmp_path, files, path).notes))
    assert not [n for n in notes if "loop" in n], notes


DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app}}
spec:
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      containers:
      - {{name: app, image: "{IMAGE}:2.0.0"}}
"""


def test_a_path_holding_a_kustomization_and_a_chart_renders_the_kustomization_unless_helm_is_named(
    tmp_path: Path,
) -> None:
    # Argo CD's discovery keeps the kustomization: the chart's values are not what runs
    files = {
        "chart/kustomization.yaml": "resources: [deploy.yaml]\n",
        "chart/deploy.yaml": DEPLOYMENT,
        "children/kustomization.yaml": "resources: [dev.yaml]\n",
        "children/dev.yaml": _app("app-dev", "chart"),
    }
    write(tmp_path, {**CHART, **files})
    source = reader.Source("dev", ("children",), (IMAGE,))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path, render=RenderSettings()).read(
        [source]
    )
    (image,) = read["dev"].images
    assert image.effective is not None and image.effective.tag == "2.0.0", (image, read["dev"].notes)
