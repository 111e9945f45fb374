"""A values file's numbers are read as YAML's core schema reads them, and one past what Python's
int() converts (4,300 digits) is kept as written: a hostile or generated values file never ends
a run in a traceback."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import yamlvalues
from testkit.local_git import write


def test_an_integer_past_ints_digits_is_kept_as_written() -> None:
    huge = "9" * 5000
    assert yamlvalues.load(f"replicas: {huge}\nport: 0x1F\n", "values.yaml") == {"replicas": huge, "port": 31}


def test_init_reads_a_chart_whose_values_hold_one(tmp_path: Path) -> None:
    chart = {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 1.0.0\nseed: "
        + "7" * 5000
        + "\n",
        "chart/values-prod.yaml": "image:\n  tag: 1.0.1\n",
        "chart/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
            "      containers:\n      - name: web\n"
            '        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        ),
    }
    found = discover(write(tmp_path, chart))
    assert "ghcr.io/acme/web" in [i.name for i in found.images], (found.images, found.notes)
