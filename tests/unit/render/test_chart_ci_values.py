"""An environment over a chart's directory reads what helm renders of it: ``values.yaml`` (and
the environment's own ``values-<env>.yaml`` beside it), never chart-testing's ``ci/*-values.yaml``
nor another subdirectory's YAML, which ``helm template <chart>`` never reads (GitOpsHub/kubeops:
the reading took ci/gke-full-values.yaml as the effective pin, a version nothing runs, and
without helm ``update`` wrote the release into every ci/*-values.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.app import open_app
from testkit.kubetools import helm
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""

VALUES = 'image:\n  repository: nginxinc/nginx-unprivileged\n  tag: "{tag}"\n'


@pytest.mark.parametrize("renderer", ["helm", "rules"])
def test_a_chart_directorys_ci_values_are_not_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renderer: str
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm() if renderer == "helm" else str(tmp_path / "no-helm"))
    root = write(
        tmp_path / "repo",
        {
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": VALUES.format(tag="1.27-alpine"),
            "charts/web/templates/deployment.yaml": DEPLOY,
            "charts/web/ci/gke-values.yaml": VALUES.format(tag="1.26-alpine"),
            "charts/web/examples/big-values.yaml": VALUES.format(tag="1.25-alpine"),
            "gitops-bot.yaml": (
                "version: 1\nimages:\n- name: nginxinc/nginx-unprivileged\n  policy: semver\n"
                "  helm: {repository: image.repository, tag: image.tag}\n"
                "environments:\n- name: default\n  path: charts/web\n"
            ),
        },
    )
    app = open_app(root)
    reading = app.reading(app.config.environment("default"))
    (image,) = reading.images
    assert [(p.file, p.tag) for p in image.pins] == [("charts/web/values.yaml", "1.27-alpine")], image.pins
    assert not [f for f in reading.rendered if "/ci/" in f or "/examples/" in f], reading.rendered
