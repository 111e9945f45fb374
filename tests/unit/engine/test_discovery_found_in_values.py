"""An image a chart's template builds from its values (``{{ .Values.image.repository }}:{{
.Values.image.tag }}``, ``{{ .Values.images.uiServer }}``) was said "found: <the template>" alone,
though its name and tag are read in the chart's values.yaml (weaveworks/weave-gitops-enterprise:
``found: charts/mccp/templates/clusters-service/deployment.yaml`` for an image charts/mccp/values.yaml
writes). The found: line names the values file too, where a person checks the tag."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
      - name: ui
        image: {{ .Values.images.ui }}
"""


def test_an_image_a_template_takes_from_values_names_the_values_file(tmp_path: Path) -> None:
    files = {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/values.yaml": (
            "image:\n  repository: ghcr.io/acme/web\n  tag: 1.5.5\nimages:\n  ui: ghcr.io/acme/ui:v0.2.0\n"
        ),
        "charts/web/templates/deployment.yaml": TEMPLATE,
        "README.md": "helm install web ./charts/web\n",
    }
    found = discover(write(tmp_path, files))
    how = {i.name: i.how for i in found.images}
    assert how["ghcr.io/acme/web"] == (
        "charts/web/templates/deployment.yaml ({{ .Values.image.repository }}, set in charts/web/values.yaml)"
    ), (how, found.notes)
    assert how["ghcr.io/acme/ui"] == (
        "charts/web/templates/deployment.yaml ({{ .Values.images.ui }}, set in charts/web/values.yaml)"
    ), how
