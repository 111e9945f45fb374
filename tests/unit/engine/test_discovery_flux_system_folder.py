"""A Flux cluster is found by Flux's own objects in its flux-system folder, never by a namespace
folder of that name among the apps (a Namespace labelled kustomize.toolkit.fluxcd.io/prune)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment


def _flux_ks(name: str, path: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\nspec:\n  interval: 10m\n"
        f"  path: {path}\n  sourceRef: {{kind: GitRepository, name: home-kubernetes}}\n"
    )


def test_a_flux_system_namespace_folder_among_apps_is_no_cluster_bootstrap(tmp_path: Path) -> None:
    """carpenike/k8s-gitops@dc2a8137 (newcomer16 N14, reduced by them; the flux-cluster-template layout, two clusters):
    kubernetes/nas-1/apps/flux-system/ holds only the namespace (label
    kustomize.toolkit.fluxcd.io/prune: disabled); init took kubernetes/nas-1/apps for a Flux
    cluster named `apps`, then said ~50 apps of cluster-0 "no Flux cluster's sync reaches it
    (cluster apps)" and configured none of their pins."""
    found = discover(
        write(
            tmp_path,
            {
                "kubernetes/cluster-0/flux/config/cluster.yaml": _flux_ks(
                    "cluster", "./kubernetes/cluster-0/flux"
                ),
                "kubernetes/cluster-0/flux/apps.yaml": _flux_ks(
                    "cluster-apps", "./kubernetes/cluster-0/apps"
                ),
                "kubernetes/cluster-0/apps/home/kustomization.yaml": "resources:\n- ./echo/ks.yaml\n",
                "kubernetes/cluster-0/apps/home/echo/ks.yaml": _flux_ks(
                    "echo", "./kubernetes/cluster-0/apps/home/echo/app"
                ),
                "kubernetes/cluster-0/apps/home/echo/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "kubernetes/cluster-0/apps/home/echo/app/deploy.yaml": deployment(
                    "echo", "ghcr.io/acme/echo:1.2.3"
                ),
                "kubernetes/nas-1/flux/config/cluster.yaml": _flux_ks("cluster", "./kubernetes/nas-1/flux"),
                "kubernetes/nas-1/flux/apps.yaml": _flux_ks("cluster-apps", "./kubernetes/nas-1/apps"),
                "kubernetes/nas-1/apps/flux-system/kustomization.yaml": "resources:\n- ./namespace.yaml\n",
                "kubernetes/nas-1/apps/flux-system/namespace.yaml": (
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n"
                    "  labels: {kustomize.toolkit.fluxcd.io/prune: disabled}\n"
                ),
                "kubernetes/nas-1/apps/storage/kustomization.yaml": "resources:\n- ./zot/ks.yaml\n",
                "kubernetes/nas-1/apps/storage/zot/ks.yaml": _flux_ks(
                    "zot", "./kubernetes/nas-1/apps/storage/zot/app"
                ),
                "kubernetes/nas-1/apps/storage/zot/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "kubernetes/nas-1/apps/storage/zot/app/deploy.yaml": deployment(
                    "zot", "ghcr.io/acme/zot:2.0.0"
                ),
            },
        )
    )
    names = [i.name for i in found.images]
    assert "ghcr.io/acme/echo" in names, (names, found.environments, found.notes)


PLEX = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: plex}\nspec:\n"
    "  chartRef: {kind: OCIRepository, name: app-template, namespace: flux-system}\n  values:\n"
    "    controllers:\n      plex:\n        containers:\n          app:\n            image:\n"
    "              repository: ghcr.io/home-operations/plex\n              tag: 1.43.3.10896\n"
)
APP_TEMPLATE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
    "metadata: {name: app-template, namespace: flux-system}\n"
    "spec: {url: oci://ghcr.io/bjw-s-labs/helm/app-template, ref: {tag: 5.0.1}}\n"
)


def test_helm_releases_nothing_here_applies_are_one_environment_said_as_a_guess(tmp_path: Path) -> None:
    """newcomer16 N16 (a home-ops repository whose cluster's Flux sync lives elsewhere): folders of
    HelmReleases (chartRef to an OCIRepository, the app-template chart) and no Flux Kustomization
    of this repository applying them. init said only "found no environment"; what runs is the
    releases' own values, read as the one environment someone applies from outside."""
    found = discover(
        write(
            tmp_path,
            {
                "apps/media/plex/helmrelease.yaml": PLEX,
                "apps/tools/echo/helmrelease.yaml": PLEX.replace("plex", "echo"),
                "repositories/app-template.yaml": APP_TEMPLATE,
            },
        )
    )
    envs = [(e.name, e.paths) for e in found.environments]
    assert envs == [("default", ("apps/media/plex", "apps/tools/echo"))], (envs, found.notes)
    assert sorted(i.name for i in found.images) == [
        "ghcr.io/home-operations/echo",
        "ghcr.io/home-operations/plex",
    ]
    how = " ".join(found.environments[0].how)
    assert "no Flux Kustomization of this repository applies" in how, how


def test_a_helm_release_a_flux_kustomization_here_leaves_out_stays_out(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                "clusters/prod/apps.yaml": _flux_ks("apps", "./apps/media"),
                "apps/media/plex/helmrelease.yaml": PLEX,
                "apps/media/plex/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
                "apps/media/kustomization.yaml": "resources:\n- plex\n",
                "apps/old/echo/helmrelease.yaml": PLEX.replace("plex", "echo"),
                "repositories/app-template.yaml": APP_TEMPLATE,
            },
        )
    )
    assert [i.name for i in found.images] == ["ghcr.io/home-operations/plex"], (
        found.environments,
        found.notes,
    )
