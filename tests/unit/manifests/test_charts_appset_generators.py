"""Chart versions an ApplicationSet's generators set: a list element's literal value is the site
(read and written there, in place); a value only a cluster or a directory listing sets is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts

KYVERNO = charts.ChartSpec("kyverno", "https://kyverno.github.io/kyverno")
GRAFANA = charts.ChartSpec("grafana", "https://grafana.github.io/helm-charts")
UI = charts.ChartSpec("retail-store-sample-ui-chart", "oci://public.ecr.aws/aws-containers")

# the shape of AmirMalaeb/eks-argocd-gitops apps/applicationsets/platform-components.yaml
# (commit on its default branch, read 2026-11), cut to two charts and two clusters
PLATFORM = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform-components
spec:
  generators:
    - matrix:
        generators:
          - list:
              elements:
                - component: kyverno
                  repoUrl: https://kyverno.github.io/kyverno/
                  chart: kyverno
                  chartVersion: "3.4.0"   # pinned
                - {component: grafana, repoUrl: 'https://grafana.github.io/helm-charts', chart: grafana, chartVersion: 8.12.0}
          - list:
              elements:
                - environment: dev
                - environment: production
  template:
    metadata:
      name: '{{component}}-{{environment}}'
    spec:
      source:
        repoURL: '{{repoUrl}}'
        chart: '{{chart}}'
        targetRevision: '{{chartVersion}}'
"""


def test_a_list_element_sets_the_version_of_the_chart_it_names() -> None:
    sites = charts.read(PLATFORM, "appset.yaml", [KYVERNO, GRAFANA])
    assert [(s.chart.name, s.version, s.line, s.form) for s in sites] == [
        ("kyverno", "3.4.0", 14, "argocd-application"),  # once, though two Applications read it
        ("grafana", "8.12.0", 15, "argocd-application"),
    ]
    assert {s.chart.name for s in charts.every(PLATFORM, "appset.yaml")} == {"kyverno", "grafana"}


def test_the_element_is_written_in_place() -> None:
    out = charts.write(PLATFORM, "appset.yaml", {KYVERNO: "3.4.1", GRAFANA: "8.13.0"})
    assert out == PLATFORM.replace('"3.4.0"', '"3.4.1"').replace("8.12.0", "8.13.0")


def test_one_generated_application_reads_its_own_elements_alone() -> None:
    text = PLATFORM.replace("'{{component}}-{{environment}}'", "'{{component}}'")
    per_env = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: kyverno}
spec:
  generators:
  - list:
      elements:
      - {environment: dev, version: 3.4.0}
      - {environment: production, version: 3.3.0}
  template:
    metadata: {name: 'kyverno-{{environment}}'}
    spec:
      source: {repoURL: 'https://kyverno.github.io/kyverno', chart: kyverno, targetRevision: '{{version}}'}
"""
    dev = charts.read(per_env, "a.yaml", [KYVERNO], application="kyverno-dev")
    assert [(s.version, s.line) for s in dev] == [("3.4.0", 8)]
    out = charts.write(per_env, "a.yaml", {KYVERNO: "3.5.0"}, application="kyverno-production")
    assert out == per_env.replace("3.3.0", "3.5.0")
    assert charts.read(text, "a.yaml", [KYVERNO], application="nothing-of-it") == []


def test_a_literal_template_version_of_a_templated_chart_is_the_template() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: retail-store}
spec:
  generators:
  - list:
      elements:
      - {service: ui, chart: retail-store-sample-ui-chart}
      - {service: cart, chart: retail-store-sample-cart-chart}
  template:
    metadata: {name: 'retail-store-{{service}}'}
    spec:
      source:
        repoURL: public.ecr.aws/aws-containers
        chart: '{{chart}}'
        targetRevision: 1.3.0
"""
    assert [(s.chart, s.line) for s in charts.read(text, "r.yaml", [UI])] == [(UI, 16)]
    assert len(charts.every(text, "r.yaml")) == 2  # two charts, one place
    with pytest.raises(ManifestError, match="retail-store-sample-ui-chart, retail-store-sample-cart-chart"):
        charts.write(text, "r.yaml", {UI: "1.4.0"})  # the cart chart would move too


@pytest.mark.parametrize(
    "generator",
    [
        "clusters: {selector: {matchLabels: {tier: a}}}",  # the cluster's name
        "git: {repoURL: 'https://x.io/r.git', revision: HEAD, directories: [{path: 'charts/*'}]}",
    ],
)
def test_a_value_only_argo_cd_knows_is_no_site(generator: str) -> None:
    value = "{{name}}" if generator.startswith("clusters") else "{{path.basename}}"
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n"
        f"  generators:\n  - {generator}\n  template:\n    metadata: {{name: 'x'}}\n    spec:\n"
        f"      source: {{repoURL: 'https://kyverno.github.io/kyverno', chart: kyverno, targetRevision: '{value}'}}\n"
    )
    assert charts.read(text, "s.yaml", [KYVERNO]) == []
    assert charts.write(text, "s.yaml", {KYVERNO: "3.5.0"}) == text


def test_one_value_setting_several_charts_versions_changes_for_all_or_none() -> None:
    text = PLATFORM.replace('chartVersion: "3.4.0"   # pinned', 'chartVersion: &v "3.4.0"').replace(
        "chartVersion: 8.12.0}", "chartVersion: *v}"
    )
    assert [(s.chart.name, s.line) for s in charts.read(text, "a.yaml", [KYVERNO, GRAFANA])] == [
        ("kyverno", 14),
        ("grafana", 14),
    ]
    with pytest.raises(ManifestError, match="charts kyverno, grafana"):
        charts.write(text, "a.yaml", {KYVERNO: "3.4.1"})
    with pytest.raises(ManifestError, match="anchor"):  # and an anchored value is never edited
        charts.write(text, "a.yaml", {KYVERNO: "3.4.1", GRAFANA: "3.4.1"})


def test_a_value_setting_several_charts_offers_no_joint_release() -> None:
    """The bot releases each chart on its own (a plan refuses every chart of a shared value), so
    neither the refusal nor the guide may offer to release them together: the one way out is a
    version of each chart's own."""
    text = PLATFORM.replace('chartVersion: "3.4.0"   # pinned', 'chartVersion: &v "3.4.0"').replace(
        "chartVersion: 8.12.0}", "chartVersion: *v}"
    )
    with pytest.raises(ManifestError) as refused:
        charts.write(text, "a.yaml", {KYVERNO: "3.4.1"})
    assert "together" not in str(refused.value)
    assert "place of its own" in str(refused.value)
    guide = (Path(__file__).parents[3] / "docs" / "manifests" / "helm-charts.md").read_text()
    assert "release them together" not in " ".join(guide.split())
