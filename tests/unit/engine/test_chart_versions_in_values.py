"""A chart of ApplicationSets whose template takes each chart's version from its values
(JamesAtIntegratnIO/gitops_homelab_2_0, the gitops-bridge layout: ``targetRevision: {{
$addon.defaultVersion }}``, the versions under ``defaultVersion:`` in per-environment values).
init read that template as a manifest and said "chart versions of default: ...:1: not valid YAML
...; fix the file by hand", advice that would break the chart, and nothing of the versions; the
first plan failed on it. The template is helm's input, not read as YAML; the line taking a chart's
version from values is said with what the bot can release instead."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APPSET = """\
{{- $values := .Values }}
{{- range $name, $addon := .Values.addons }}
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {{ $name }}
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: '{{ $name }}-{{`{{.name}}`}}'
    spec:
      source:
        repoURL: {{ $addon.chartRepository }}
        chart: {{ $name }}
        targetRevision: {{ $addon.defaultVersion }}
      destination:
        server: '{{`{{.server}}`}}'
{{- end }}
"""

CERT_MANAGER = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cert-manager, namespace: argocd}
spec:
  source:
    repoURL: https://charts.jetstack.io
    chart: cert-manager
    targetRevision: 1.17.1
  destination: {server: https://kubernetes.default.svc, namespace: cert-manager}
"""

FILES = {
    "apps/cert-manager.yaml": CERT_MANAGER,
    "charts/appsets/Chart.yaml": "apiVersion: v2\nname: appsets\nversion: 0.1.0\n",
    "charts/appsets/values.yaml": (
        "addons:\n  argo-cd:\n    defaultVersion: 7.7.0\n    chartRepository: https://argoproj.github.io/argo-helm\n"
    ),
    "charts/appsets/templates/application-set.yaml": APPSET,
}


def test_a_chart_template_is_no_yaml_to_fix_and_its_values_versions_are_said(tmp_path: Path) -> None:
    found = discover(write(tmp_path, FILES))
    assert [c.name for c in found.charts] == ["cert-manager"], found.notes
    assert not [n for n in found.notes if "fix the file by hand" in n or "not valid YAML" in n], found.notes
    (said,) = [n for n in found.notes if n.startswith("charts/appsets/templates/application-set.yaml")]
    assert said.startswith(
        "charts/appsets/templates/application-set.yaml:18: a chart template setting a chart's version "
        "from its values (targetRevision: {{ $addon.defaultVersion }})"
    ), said
    assert "charts: has no form for a version held in values" in said, said


def test_the_plan_of_the_chart_reads_past_its_template(tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\n"
        "charts:\n- {name: cert-manager, repository: https://charts.jetstack.io}\n"
        "environments:\n- {name: default, path: charts/appsets}\n"
        "- {name: in-cluster, path: apps/cert-manager.yaml}\n"
    )
    app = open_app(root)
    envs = {e.name: e for e in app.config.environments}
    assert app.chart_pins(envs["default"]) == []
    assert [p.site.version for p in app.chart_pins(envs["in-cluster"])] == ["1.17.1"]
