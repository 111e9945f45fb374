"""What an app of apps that cannot be followed says: a loop (an Application whose path is one an
Application it comes from renders already) is said as a loop naming both files, a tree deeper
than three apps of apps as that, and an Application whose path is a template nothing rendered
(``path: {{ x }}``, a mapping to YAML) as what it is, with the fix."""

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
CHILD_CHART = app_of_apps.child_chart(IMAGE)


def _reason(root: Path, files: dict[str, str]) -> str:
    write(root, {**CHILD_CHART, **files})
    source = reader.Source("dev", ("root.yaml",), (IMAGE,))
    read = reader.Reader(reader.DiskTree(root), root, SPECS, root, render=RenderSettings()).read([source])
    (image,) = read["dev"].images
    assert image.status is PinStatus.NOT_RENDERED, image
    assert image.reason is not None
    return image.reason


def test_an_application_yielding_its_own_chart_again_is_said_as_a_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {**app_of_apps.chart([{"name": "dev", "path": "apps"}]), "root.yaml": app_of_apps.root("apps")}
    reason = _reason(tmp_path, files)
    assert (
        "apps/templates/applications.yaml: app-dev renders apps, which root (root.yaml) renders already: "
        "a loop of apps of apps, not followed; point app-dev's path at what it deploys"
    ) in reason, reason
    assert "deep" not in reason, reason


def test_a_directory_of_applications_holding_its_root_again_is_said_as_a_loop(tmp_path: Path) -> None:
    files = {
        "root.yaml": app_of_apps.root("children"),
        "children/again.yaml": app_of_apps.root("children", "again"),
    }
    reason = _reason(tmp_path, files)
    assert (
        "children/again.yaml: again renders children, which root (root.yaml) renders already: "
        "a loop of apps of apps, not followed; point again's path at what it deploys"
    ) in reason, reason


def test_a_tree_deeper_than_three_apps_of_apps_is_said_as_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {"root.yaml": app_of_apps.root("apps1")}
    for n in range(1, 5):
        files.update(app_of_apps.chart([{"name": "dev", "path": f"apps{n + 1}"}], f"apps{n}"))
    reason = _reason(tmp_path, files)
    assert "past 3 apps of apps deep" in reason and "loop" not in reason, reason


def test_a_path_left_a_template_is_said_with_the_fix(tmp_path: Path) -> None:
    files = {"root.yaml": app_of_apps.root("{{ .Values.path }}")}
    reason = _reason(tmp_path, files)
    assert "None" not in reason, reason
    assert (
        "root.yaml: root's source has no path or chart written as text (a template nothing rendered, "
        "path: {{ x }}, is a mapping to YAML), not followed: write the path it deploys, or point the "
        "environment at the file helm renders it into"
    ) in reason, reason


def test_a_root_that_yaml_cannot_read_whole_is_said_as_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its path is text, but a parameter's value is a template left unrendered: helm is given
    # the Application as YAML reads it, and YAML reads no Application there
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    parameter = "    path: apps\n    helm:\n      parameters:\n        - name: x\n          value: {{ x }}\n"
    files = {
        **app_of_apps.chart([{"name": "dev", "path": "chart"}]),
        "root.yaml": app_of_apps.root("apps").replace("    path: apps\n", parameter),
    }
    reason = _reason(tmp_path, files)
    assert "ApplicationSet" not in reason, reason
    assert (
        "root renders chart apps, whose templates are Argo CD Applications (app of apps): root.yaml is not "
        "YAML that reads whole (a template nothing rendered, {{ x }}, is a mapping to YAML), so the "
        "Applications they yield are not followed: quote the template, or point the environment at the "
        "file helm renders it into"
    ) in reason, reason
