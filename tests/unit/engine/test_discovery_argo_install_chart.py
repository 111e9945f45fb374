"""An Argo CD install chart applied by hand that wraps argo-cd (its archive committed in charts/, as
``helm dependency build`` leaves it) and holds the app of apps as a template: one environment, read
through the Applications it yields. ouznoreyni/spring-k8s-gitops k8s/argocd: the chart was copied
to render it without its archive, so helm failed ("missing in charts/ directory: argo-cd"), said
nowhere on the plan, and k8s/apps' Application files became a second environment of the same
cluster."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit.app_of_apps import APPLICATION
from testkit.kubetools import helm
from testkit.local_git import write
from testkit.small_repos import deployment

ROOT_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  project: default
  source:
    repoURL: {{ .Values.appOfApps.repoURL }}
    targetRevision: HEAD
    path: {{ .Values.appOfApps.path | default "k8s/apps" }}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""


def _archive(name: str, version: str) -> bytes:
    """A chart's archive as ``helm package`` writes it: its files under ``<name>/``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        data = f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


FILES = {
    "k8s/argocd/Chart.yaml": (
        "apiVersion: v2\nname: argocd\nversion: 1.0.0\ndependencies:\n"
        "- {name: argo-cd, version: 9.3.4, repository: https://argoproj.github.io/argo-helm}\n"
    ),
    "k8s/argocd/values.yaml": "appOfApps: {repoURL: 'https://github.com/acme/gitops.git', path: k8s/apps}\n",
    "k8s/argocd/templates/app-of-apps.yaml": ROOT_TEMPLATE,
    "k8s/apps/web.yaml": APPLICATION.format(
        name="web",
        source="    repoURL: https://github.com/acme/gitops.git\n    path: k8s/web\n    targetRevision: HEAD",
        namespace="web",
    ),
    "k8s/web/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.2.0"),
}


@pytest.fixture(autouse=True)
def _helm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())


def test_an_argo_cd_install_chart_holding_the_app_of_apps_is_the_one_environment(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    (root / "k8s/argocd/charts").mkdir()
    (root / "k8s/argocd/charts/argo-cd-9.3.4.tgz").write_bytes(_archive("argo-cd", "9.3.4"))
    found = discover(root)
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("k8s/argocd",))], found.notes
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"]
    said = "k8s/apps/web.yaml: deployed by the app of apps k8s/argocd (environment default)"
    assert any(n.startswith(said) for n in found.notes), found.notes


def test_an_app_of_apps_whose_dependency_is_not_committed_is_read_and_the_dependency_said(
    tmp_path: Path,
) -> None:
    # the archive not committed: Argo CD fetches it, the bot does not; the chart's own templates
    # are its Applications, rendered with an empty stand-in for it, and the plan says what is
    # not read (helm refused the chart whole before: "missing in charts/ directory")
    root = write(tmp_path, FILES)
    source = reader.Source("default", ("k8s/argocd",), ("ghcr.io/acme/web",))
    specs = [images.ImageSpec("ghcr.io/acme/web", "ghcr.io/acme/web")]
    read = reader.Reader(reader.DiskTree(root), root, specs, root, render=RenderSettings()).read([source])
    (web,) = read["default"].images
    assert web.effective is not None and web.effective.place == "k8s/web/deploy.yaml:9", web
    said = [s for s in read["default"].said if "its dependency argo-cd 9.3.4" in s]
    assert said and said[0].startswith("k8s/argocd: argocd renders chart k8s/argocd"), read["default"].said
    assert "is not fetched, so what it renders is not read" in said[0]
    assert not (root / "k8s/argocd/charts").exists()  # the stand-in is in the render's copy only
