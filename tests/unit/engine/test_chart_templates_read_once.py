"""init asks a chart's templates for the images they write or build once for each question about
the chart (23 times on tmax-cloud/argocd-installer): each template's image lines are read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine import discovered_images, repository_files
from gitops_bot.manifests import workloads

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
      - name: sidecar
        image: docker.io/library/busybox:1.36
"""


def test_a_charts_templates_are_read_once_however_often_the_chart_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for rel, text in {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n",
        "chart/templates/deploy.yaml": TEMPLATE,
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    read: list[str] = []
    strip = workloads.without_test_hooks

    def counted(text: str) -> str:
        read.append(text)
        return strip(text)

    monkeypatch.setattr(workloads, "without_test_hooks", counted)
    repo = repository_files.RepoFiles(tmp_path)
    found = []
    for only in (None, "chart", "chart"):
        names = discovered_images.ImageNames()
        discovered_images.chart_images(repo, names, only=only)
        found.append((dict(names.found), dict(names.how)))
    assert found[0] == found[1] == found[2]
    assert found[0][0] == {
        "ghcr.io/acme/app": {"repository": "image.repository", "tag": "image.tag"},
        "docker.io/library/busybox": {},
    }
    assert len(read) == 1
