"""A Flux HelmRelease whose base names the chart with no version, and the overlay's patch of it
(a Flux Kustomization's path: ``patches: - path: …-values.yaml``) naming the chart again with its
version and no sourceRef (allenporter/k8s-gitops, newcomer20 F7): the patch's version is what Flux
renders, read from the release it patches (same name and namespace), and a release writes it there."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write

BASE_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  releaseName: kube-prometheus-stack
  chart:
    spec:
      chart: kube-prometheus-stack
      sourceRef:
        kind: HelmRepository
        name: prometheus-community
        namespace: flux-system
  interval: 5m
"""
VERSION_PATCH = """---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  chart:
    spec:
      # renovate: registryUrl=https://prometheus-community.github.io/helm-charts
      chart: kube-prometheus-stack
      version: 88.3.0
  values:
    grafana:
      enabled: false
"""


# allenporter/k8s-gitops kubernetes/monitoring/prod/kube-prometheus-stack-values.yaml:12 (and
# headlamp-values.yaml:11, network/prod/cert-manager-values.yaml:13, name-service/k8s-gateway-values.yaml:11):
# the base HelmRelease names the chart with no version; the prod overlay (a Flux Kustomization's
# path) patches it in with `patches: [{path: kube-prometheus-stack-values.yaml}]`, a strategic-merge
# patch setting spec.chart.spec.version. init reads none of the four charts and writes no line
# about them (4 silent), though the overlay is in the environment's paths.
def test_a_chart_version_set_by_the_overlay_s_patch_of_the_helmrelease_is_read_and_released_there(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/clusters/prod/monitoring.yaml": small_repos.flux_kustomization(
                "monitoring", "./kubernetes/monitoring/prod"
            ),
            "kubernetes/clusters/prod/sources.yaml": small_repos.flux_kustomization(
                "sources", "./kubernetes/clusters/prod/sources"
            ),
            "kubernetes/clusters/prod/sources/prometheus-community.yaml": small_repos.helm_repository(
                "prometheus-community", "https://prometheus-community.github.io/helm-charts"
            ),
            "kubernetes/monitoring/base/kube-prometheus-stack/kustomization.yaml": (
                "namespace: monitoring\nresources:\n  - release.yaml\n"
            ),
            "kubernetes/monitoring/base/kube-prometheus-stack/release.yaml": BASE_RELEASE,
            "kubernetes/monitoring/prod/kustomization.yaml": (
                "patches:\n- path: kube-prometheus-stack-values.yaml\nresources:\n- ../base/kube-prometheus-stack\n"
            ),
            "kubernetes/monitoring/prod/kube-prometheus-stack-values.yaml": VERSION_PATCH,
        },
    )
    found = discover(root)
    assert [c.name for c in found.charts] == ["kube-prometheus-stack"], found.notes

    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: kube-prometheus-stack\n"
        "  repository: https://prometheus-community.github.io/helm-charts\n"
        f"environments:\n- name: prod\n  paths: [{', '.join(p for e in found.environments for p in e.paths)}]\n"
    )
    app = open_app(root)
    (target,) = app.chart_targets(app.config.environment("prod"))
    assert (target.file, target.line, target.version) == (
        "kubernetes/monitoring/prod/kube-prometheus-stack-values.yaml",
        12,
        "88.3.0",
    ), target
