"""Flux chart sources init met on public home-ops repositories: an OCIRepository Renovate pins by
tag and digest (said, never silent), and the chart sources a cluster's own cluster-meta
Kustomization applies beside its apps (the cluster's, read)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write

HELMRELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: echo
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: {source}
{namespace}  values:
    image:
      repository: ghcr.io/mendhak/http-https-echo
      tag: "38"
"""


# aclerici38/home-ops kubernetes/apps/shared/external-dns/app/repo.yaml:13 (and 60 more
# OCIRepositories there): Renovate pins each chart's tag with the digest it resolved to
# (`ref: {tag: 1.21.1, digest: sha256:…}`, its usual form for Flux OCIRepositories). init reads no
# chart version from such an object and says nothing: 61 chart versions silent in one repository.
# The same OCIRepository without `digest:` gives the chart (checked).
def test_a_chart_source_pinned_by_tag_and_digest_is_read_or_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./external-dns/ks.yaml]\n",
            "kubernetes/apps/external-dns/ks.yaml": small_repos.flux_kustomization(
                "external-dns", "./kubernetes/apps/external-dns/app"
            ),
            "kubernetes/apps/external-dns/app/repo.yaml": small_repos.oci_repository(
                "external-dns",
                "oci://ghcr.io/home-operations/charts-mirror/external-dns",
                "1.21.1",
                digest="sha256:ce2e532b5d2d61b676fb01e04343d1f3433e752c90580a75a853aba6ac72b3aa",
            ),
            "kubernetes/apps/external-dns/app/hr.yaml": HELMRELEASE.format(
                source="external-dns", namespace=""
            ),
        },
    )
    found = discover(root)
    assert not found.charts, found.charts  # the bot moves a tag, never the digest pinned beside it
    (said,) = [n for n in found.notes if n.startswith("kubernetes/apps/external-dns/app/repo.yaml")]
    assert "chart external-dns 1.21.1 is pinned by digest as well" in said, said
    assert "drop spec.ref.digest to have the tag released" in said, said


# aclerici38/home-ops kubernetes/flux/cloud/meta/app-template.yaml (the same in home/, raphael/):
# the cluster's sync folder `kubernetes/flux/cloud` lists `meta.yaml`, a Flux Kustomization
# `cluster-meta` applying `kubernetes/flux/cloud/meta`, which holds the app-template OCIRepository
# every HelmRelease of the cluster names (`chartRef: {name: app-template, namespace: flux-system}`).
# init says "kubernetes/flux/cloud/meta: no Flux cluster's sync reaches it" (it does) and reads no
# app-template version. j0sh3rs/home-ops (newcomer18's table) is the same with HelmRepositories.
def test_the_chart_sources_a_cluster_s_own_flux_kustomization_applies_are_read(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cloud/kustomization.yaml": "resources: [./apps.yaml, ./meta.yaml]\n",
            "kubernetes/flux/cloud/apps.yaml": small_repos.flux_kustomization(
                "apps", "./kubernetes/ks/cloud"
            ),
            "kubernetes/flux/cloud/meta.yaml": small_repos.flux_kustomization(
                "cluster-meta", "./kubernetes/flux/cloud/meta"
            ),
            "kubernetes/flux/cloud/meta/app-template.yaml": small_repos.oci_repository(
                "app-template", "oci://ghcr.io/bjw-s-labs/helm/app-template", "5.1.0", namespace="flux-system"
            ),
            "kubernetes/ks/cloud/echo/app.yaml": small_repos.flux_kustomization(
                "echo", "./kubernetes/apps/cloud/echo/app"
            ),
            "kubernetes/apps/cloud/echo/app/hr.yaml": HELMRELEASE.format(
                source="app-template", namespace="    namespace: flux-system\n"
            ),
        },
    )
    found = discover(root)
    assert [c.name for c in found.charts] == ["app-template"], found.notes
    assert not any("no Flux cluster's sync reaches" in n for n in found.notes), found.notes


RESOURCE_SET = """apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata:
  name: flux-operator
  namespace: flux-system
spec:
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: OCIRepository
      metadata:
        name: flux-operator
        namespace: flux-system
      spec:
        interval: 10m
        url: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator
        ref:
          tag: 0.53.0
    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata:
        name: flux-operator
        namespace: flux-system
      spec:
        interval: 30m
        chartRef:
          kind: OCIRepository
          name: flux-operator
"""


# xunholy/k8s-gitops kubernetes/clusters/cluster-00/flux-system/flux-operator/app/helmrelease.yaml:26
# (and flux-instance's beside it): a flux-operator ResourceSet whose spec.resources hold the
# OCIRepository of the chart (tag 0.53.0) and the HelmRelease naming it; the folder is the path of
# a Flux Kustomization of the cluster and in the environment's paths. init reads no chart there and
# writes no line about it, where an image inside another ResourceSet of the same repository
# (preview-system/app/resourceset.yaml:107) is said ("a field no format reads: add the marker comment").
def test_a_chart_source_inside_a_resource_set_is_read_or_said(tmp_path: Path) -> None:
    app = "kubernetes/flux-system/flux-operator/app"
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization("flux-operator", f"./{app}"),
            f"{app}/kustomization.yaml": "resources: [./helmrelease.yaml]\n",
            f"{app}/helmrelease.yaml": RESOURCE_SET,
        },
    )
    found = discover(root)
    (said,) = [n for n in found.notes if n.startswith(f"{app}/helmrelease.yaml")]
    assert said.startswith(
        f"{app}/helmrelease.yaml: OCIRepository flux-operator's chart version 0.53.0 is written inside "
        "ResourceSet flux-operator's spec.resources"
    ), said
