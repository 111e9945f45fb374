"""Where an image's digest goes (``helm.digestInTag``) is read from the image's own chart's
template: two charts naming their images by the same keys (``image.repository``, ``image.tag``,
as most do) each have their own template cited, never the first chart's for all
(julscloudops/ManifestsForArgoCD: sealed-secrets' template was cited for velero, argo-cd,
grafana and the rest)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  template:
    spec:
      containers:
      - name: %s
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_each_image_s_digest_place_is_read_from_its_own_chart(tmp_path: Path) -> None:
    files = {}
    for chart in ("alpha", "beta"):
        files[f"charts/{chart}/Chart.yaml"] = f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"
        files[f"charts/{chart}/values.yaml"] = f"image:\n  repository: ghcr.io/acme/{chart}\n  tag: latest\n"
        files[f"charts/{chart}/templates/deployment.yaml"] = TEMPLATE % (chart, chart)
    found = discover(write(tmp_path, files))
    why = {i.name: i.guess.why for i in found.images}
    assert "charts/beta/templates/deployment.yaml writes the image" in why["ghcr.io/acme/beta"], why
    assert "charts/alpha/templates/deployment.yaml writes the image" in why["ghcr.io/acme/alpha"], why
