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
