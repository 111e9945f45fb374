"""A kustomization's ``helmCharts:`` pulled from a chart repository is never fetched, but its
values file here is what helm is given: read as the chart's values, as a HelmRelease's are over
a chart not here (newcomer17 F12: swibrow/home-ops, 80 images in no line)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

# swibrow/home-ops kubernetes/apps/pitower/ai/hermes/kustomization.yaml: each app is a kustomization
# whose helmCharts: entry inflates a remote chart (app-template from oci://ghcr.io/bjw-s-labs/helm)
# with the valuesFile beside it; init found the chart's version and none of the 80 images those
# values files pin, with no `# not read:` line (plan rows only say "not followed" of other images)
APPSET_DIRECTORIES = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: pitower, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/acme/home-ops
        revision: main
        directories:
          - path: kubernetes/apps/pitower/*/*
  template:
    metadata: {name: "pitower-{{index .path.segments 4}}", namespace: argocd}
    spec:
      project: apps
      source: {repoURL: https://github.com/acme/home-ops, targetRevision: main, path: "{{.path.path}}"}
      destination: {server: https://kubernetes.default.svc, namespace: "{{index .path.segments 3}}"}
"""
HELM_CHARTS_KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmCharts:
  - name: app-template
    repo: oci://ghcr.io/bjw-s-labs/helm
    version: 5.1.0
    releaseName: hermes
    namespace: ai
    valuesFile: values.yaml
"""
HERMES_VALUES = """controllers:
  hermes:
    containers:
      app:
        image:
          repository: nousresearch/hermes-agent
          tag: v2026.8.19
"""


def test_values_of_a_remote_chart_a_kustomization_inflates_are_read_or_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/argocd/clusters/pitower.yaml": APPSET_DIRECTORIES,
            "kubernetes/apps/pitower/ai/hermes/kustomization.yaml": HELM_CHARTS_KUSTOMIZATION,
            "kubernetes/apps/pitower/ai/hermes/values.yaml": HERMES_VALUES,
        },
    )
    found = discover(root, origin="https://github.com/acme/home-ops")
    said = "\n".join(found.notes)
    assert (
        "nousresearch/hermes-agent" in {i.name for i in found.images} or "nousresearch/hermes-agent" in said
    ), (
        [i.name for i in found.images],
        said,
    )
    (hermes,) = [i for i in found.images if i.name == "nousresearch/hermes-agent"]
    assert dict(hermes.helm) == {
        "repository": "controllers.hermes.containers.app.image.repository",
        "tag": "controllers.hermes.containers.app.image.tag",
    }, hermes
