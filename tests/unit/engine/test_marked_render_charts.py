"""The marked render of a chart in the repository (the real helm from ``.tools/bin``): each
Argo CD Application's values place is written with a marker and the chart rendered once more.
A values file whose marker reaches the render stands; one whose chart's template writes the
image itself (``nginx:latest``, so the values are dead) would release nothing, and is said with
the template and the fix, where ``update`` edited that dead line."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.config import load
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/web"
CONFIG = f"""version: 1
render: {{kubectl: {{kubectl}}, helm: {{helm}}}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: dev
    path: apps/dev.yaml
  - name: prod
    path: apps/prod.yaml
"""
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {env}}}
spec:
  destination: {{namespace: {env}}}
  source:
    repoURL: https://github.com/acme/deploy.git
    path: charts/{chart}
    helm: {{valueFiles: [values-{env}.yaml]}}
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: %s
"""


def _proved(root: Path) -> tuple[dict[str, EnvironmentReading], dict[str, EnvironmentReading]]:
    files = {"gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm())}
    for env, chart, image in (
        ("dev", "live", "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'"),
        ("prod", "dead", f"{IMAGE}:latest"),
    ):
        files[f"apps/{env}.yaml"] = APP.format(env=env, chart=chart)
        files[f"charts/{chart}/Chart.yaml"] = f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"
        files[f"charts/{chart}/values.yaml"] = f"image: {{repository: {IMAGE}, tag: '1.0.0'}}\n"
        files[f"charts/{chart}/values-{env}.yaml"] = "image:\n  tag: 1.1.0\n"
        files[f"charts/{chart}/templates/deployment.yaml"] = TEMPLATE % image
    write(root, files)
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules)


def test_a_values_place_the_chart_takes_stands_and_a_dead_one_is_said(tmp_path: Path) -> None:
    rules, judged = _proved(tmp_path)
    assert rules["dev"].images[0].status is PinStatus.PINNED
    assert judged["dev"] == rules["dev"]
    assert rules["prod"].images[0].status is PinStatus.PINNED  # the rules read the dead line
    prod = judged["prod"].images[0]
    assert prod.status is PinStatus.UNSUPPORTED
    assert prod.reason is not None and prod.fix is not None
    assert prod.reason.startswith("a release writing charts/dead/values-prod.yaml"), prod.reason
    assert f"dead/templates/deployment.yaml renders {IMAGE}:latest" in prod.reason, prod.reason
    assert "make dead/templates/deployment.yaml take the image from the values" in prod.fix
