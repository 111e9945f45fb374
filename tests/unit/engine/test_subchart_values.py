"""An image a chart's local ``file://`` dependency pins in its own values.yaml
(weaveworks/weave-gitops-enterprise: charts/mccp names ``file://../cluster-controller``, whose
values.yaml pins gcr.io/kubebuilder/kube-rbac-proxy v0.14.1): configured with the parent's keys
(``cluster-controller.controllerManager...``), it read "not rendered" where helm renders it. It is
read there, under the dependency's key (its alias where it has one), proven by the marked render
(the dependency laid under charts/ as helm dependency build would) and written there by a release;
the parent's own values over it stay what runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import load
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import edits, proven
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import reader
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/proxy"
CONFIG = f"""version: 1
render: {{kubectl: KUBECTL, helm: HELM}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: KEY.image.repository, tag: KEY.image.tag}}
environments:
  - name: dev
    path: charts/parent
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Chart.Name }}}
spec:
  template:
    spec:
      containers:
      - name: proxy
        image: '{{ .Values.image.repository }}:{{ .Values.image.tag }}'
"""


def _tree(root: Path, alias: str = "", parent_values: str = "replicas: 1\n") -> None:
    key = alias or "proxy"
    dependency = f"- {{name: proxy, version: 1.0.0, repository: 'file://../proxy'{', alias: ' + alias if alias else ''}}}\n"
    write(
        root,
        {
            "gitops-bot.yaml": CONFIG.replace("KEY", key)
            .replace("KUBECTL", kubectl())
            .replace("HELM", helm()),
            "charts/parent/Chart.yaml": "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n"
            + dependency,
            "charts/parent/values.yaml": parent_values,
            "charts/proxy/Chart.yaml": "apiVersion: v2\nname: proxy\nversion: 1.0.0\n",
            "charts/proxy/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: v0.14.1\n",
            "charts/proxy/templates/deployment.yaml": TEMPLATE,
        },
    )


def _readings(root: Path) -> tuple[reader.EnvironmentReading, reader.EnvironmentReading]:
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules["dev"], proven.prove(config, root, list(config.environments), specs, rules)["dev"]


@pytest.mark.parametrize("alias", ["", "rbac"])
def test_a_file_dependencys_own_values_pin_is_read_proven_and_released_there(
    tmp_path: Path, alias: str
) -> None:
    _tree(tmp_path, alias)
    rules, judged = _readings(tmp_path)
    (image,) = rules.images
    assert image.status is PinStatus.PINNED, (image, rules.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("charts/proxy/values.yaml:3", "v0.14.1")
    assert judged.images == rules.images  # the marker written there reaches what helm renders
    app = open_app(tmp_path)
    env = app.config.environment("dev")
    texts = {p: p.read_text() for p in app.files(env)}
    change = Change("dev", IMAGE, IMAGE, (), "v0.14.1", None, "v0.15.0", None, Outside("a new build"))
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in app.config.images]
    _, written = edits.edit(app, Release("dev", (change,)), tmp_path, texts, specs)
    assert written == {
        tmp_path / "charts/proxy/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: v0.15.0\n"
    }


def test_the_parents_values_over_the_dependency_are_what_runs(tmp_path: Path) -> None:
    _tree(tmp_path, parent_values="proxy:\n  image:\n    tag: v0.13.0\n")
    rules, judged = _readings(tmp_path)
    (image,) = rules.images
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("charts/parent/values.yaml:3", "v0.13.0")
    assert judged.images == rules.images
