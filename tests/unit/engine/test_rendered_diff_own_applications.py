"""The rendered diff of a chart environment renders the environment's own Application alone:
an ApplicationSet generating one Application per environment over a chart (list elements
dev and prod) gives dev's release a diff of ``helm template`` for dev's Application, before and
after, and never prod's (whose chart may not even render). Counted with a helm on PATH that
logs each run's arguments, then runs the real helm."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from testkit.kubetools import helm, kubectl
from testkit.local_git import write
from testkit.plans import one_update

IMAGE = "ghcr.io/acme/web"
APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web}
spec:
  generators:
  - list:
      elements:
      - {env: dev, chart: chart}
      - {env: prod, chart: CHART_PROD}
  template:
    metadata: {name: 'web-{{env}}'}
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/deploy.git
        targetRevision: HEAD
        path: '{{chart}}'
        helm:
          valueFiles: ['values-{{env}}.yaml']
      destination: {server: https://kubernetes.default.svc, namespace: '{{env}}'}
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
CONFIG = f"""version: 1
render: {{kubectl: KUBECTL, helm: HELM}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: dev
    path: apps/appset.yaml
  - name: prod
    path: apps/appset.yaml
    promote_from: dev
"""


def _repository(tmp_path: Path, *, broken_prod: bool = False) -> tuple[Path, Path]:
    """dev and prod each an Application over the chart; with ``broken_prod``, prod's over a
    copy of it whose template helm refuses."""
    runs = tmp_path / "helm-runs"
    wrapper = tmp_path / "helm"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {runs}\nexec {helm()} "$@"\n')
    wrapper.chmod(0o755)
    root = tmp_path / "repo"
    files = {
        "gitops-bot.yaml": CONFIG.replace("KUBECTL", kubectl()).replace("HELM", str(wrapper)),
        "apps/appset.yaml": APPSET.replace("CHART_PROD", "broken" if broken_prod else "chart"),
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.0.0\n",
        "chart/values-dev.yaml": "image:\n  tag: 1.1.0\n",
        "chart/values-prod.yaml": "image:\n  tag: 1.0.0\n",
        "chart/templates/deployment.yaml": TEMPLATE,
    }
    if broken_prod:
        files |= {f"broken/{n[6:]}": t for n, t in files.items() if n.startswith("chart/")}
        files["broken/templates/deployment.yaml"] = TEMPLATE.replace(
            ".Values.image.tag", ".Values.image.tag | nosuchfunc"
        )
    write(root, files)
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "chart"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *argv], cwd=root, check=True
        )
    return root, runs


def _diff(root: Path, runs: Path) -> tuple[str, list[str]]:
    app = open_app(root)
    reading = app.reading(app.config.environment("dev"))  # read (and proven) before counting
    (image,) = reading.images
    assert image.effective is not None and image.effective.file == "chart/values-dev.yaml", image
    runs.write_text("")
    plan = one_update("dev", IMAGE, "chart/values-dev.yaml", "1.1.0", "1.2.0")
    (rendered,) = edits.rendered_of(app, plan)
    return json.dumps(rendered.to_json()), [
        r for r in runs.read_text().splitlines() if r.startswith("template")
    ]


def test_a_releases_rendered_diff_renders_the_environments_own_application_alone(tmp_path: Path) -> None:
    said, templates = _diff(*_repository(tmp_path))
    assert '"before": "ghcr.io/acme/web:1.1.0", "after": "ghcr.io/acme/web:1.2.0"' in said, said
    assert '"error"' not in said, said
    # dev's Application after the edit (its before is the reading's render, kept by its
    # content) and at most before it too; prod's never
    assert 1 <= len(templates) <= 2, templates
    assert all("web-dev" in t and "values-prod.yaml" not in t for t in templates), templates


def test_another_environments_chart_that_helm_refuses_leaves_the_diff_whole(tmp_path: Path) -> None:
    said, templates = _diff(*_repository(tmp_path, broken_prod=True))
    assert '"after": "ghcr.io/acme/web:1.2.0"' in said and '"error"' not in said, said
    assert all("web-prod" not in t for t in templates), templates
