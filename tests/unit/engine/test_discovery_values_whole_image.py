"""A Helm values key written as a whole image reference (``instance.spec.image:
ghcr.io/pocket-id/pocket-id:v2.13.0``) is the image's ``helm.reference``; one written whole in a
list (``initContainers[0].image``), which no key path reaches, is said with the marker comment
(newcomer17 F1: rcdailey/home-ops, rwlove/home-ops). Both were silent."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

# rcdailey/home-ops kubernetes/apps/default/headlamp/helmrelease.yaml (an initContainer of a
# chart from a Helm repository, written whole) and kubernetes/apps/default/pocket-id/operator/
# helmrelease.yaml (a chart's instance spec naming its image whole)
FLUX_SYNC = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""
HELM_REPOSITORY = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: headlamp, namespace: flux-system}
spec: {url: https://kubernetes-sigs.github.io/headlamp}
"""
WHOLE_IN_A_LIST = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: headlamp}
spec:
  chart:
    spec:
      chart: headlamp
      version: 0.39.0
      sourceRef: {kind: HelmRepository, name: headlamp, namespace: flux-system}
  values:
    initContainers:
    - name: headlamp-flux-plugin
      image: ghcr.io/headlamp-k8s/headlamp-plugin-flux:v0.7.0
      command: [/bin/sh, -c]
"""
WHOLE_IN_A_MAPPING = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: pocket-id}
spec:
  chart:
    spec:
      chart: headlamp
      version: 0.39.0
      sourceRef: {kind: HelmRepository, name: headlamp, namespace: flux-system}
  values:
    instance:
      spec:
        image: ghcr.io/pocket-id/pocket-id:v2.13.0
"""


def _flux_repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "clusters/home/apps.yaml": FLUX_SYNC,
            "apps/kustomization.yaml": "resources: [repo.yaml, headlamp.yaml, pocket-id.yaml]\n",
            "apps/repo.yaml": HELM_REPOSITORY,
            "apps/headlamp.yaml": WHOLE_IN_A_LIST,
            "apps/pocket-id.yaml": WHOLE_IN_A_MAPPING,
        },
    )


def test_a_helmrelease_values_image_written_whole_is_read_or_said(tmp_path: Path) -> None:
    # init found the chart headlamp 0.39.0 and said nothing of either image: a values
    # `image: repo:tag` string is what helm.reference addresses, and one under a list a
    # dotted key cannot reach deserves a `# not read:` line
    found = discover(_flux_repo(tmp_path))
    named = {i.name for i in found.images}
    notes = "\n".join(found.notes)
    for image in ("ghcr.io/pocket-id/pocket-id", "ghcr.io/headlamp-k8s/headlamp-plugin-flux"):
        assert image in named or image in notes, (image, named, notes)


def test_a_mapping_image_string_gets_its_reference_key(tmp_path: Path) -> None:
    found = discover(_flux_repo(tmp_path))
    by_name = {i.name: i for i in found.images}
    assert "ghcr.io/pocket-id/pocket-id" in by_name, sorted(by_name)
    assert dict(by_name["ghcr.io/pocket-id/pocket-id"].helm) == {"reference": "instance.spec.image"}
