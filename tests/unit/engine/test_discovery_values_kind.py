"""A chart's values file setting a top-level ``kind:`` (Bitnami's charts: ``kind: Deployment`` or
``DaemonSet``, what the chart installs) is still a values file: no manifest lacks ``apiVersion:``.
julscloudops/ManifestsForArgoCD's nginx-ingress-controller values (line 180) hid both its images,
with no line, and its environment then listed every other chart's image as not rendered."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

VALUES = """image:
  registry: docker.io
  repository: bitnami/nginx-ingress-controller
  tag: 0.48.1-debian-10-r38
kind: Deployment
"""
TEMPLATE = """apiVersion: apps/v1
kind: {{ .Values.kind }}
metadata: {name: controller}
spec:
  template:
    spec:
      containers:
      - name: controller
        image: "{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_a_values_file_setting_a_top_level_kind_names_its_images(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "charts/ingress/Chart.yaml": "apiVersion: v2\nname: ingress\nversion: 0.1.0\n",
            "charts/ingress/values.yaml": VALUES,
            "charts/ingress/templates/deployment.yaml": TEMPLATE,
        },
    )
    found = discover(root)
    by_name = {i.name: i for i in found.images}
    assert "docker.io/bitnami/nginx-ingress-controller" in by_name, (sorted(by_name), found.notes)
    assert by_name["docker.io/bitnami/nginx-ingress-controller"].tags == ("0.48.1-debian-10-r38",)
