"""A Flux repository shaped as wahooli/gitops-repo@e42e0ee9's apps/nas/jellyfin: the base
HelmRelease's chart from a HelmRepository, the overlay's patch adding ``valuesFrom`` a ConfigMap
its ``configMapGenerator`` makes of values.yaml, whose tag a Flux ``$imagepolicy`` setter marks,
the repository left to the chart and scanned by the ImageRepository."""

from __future__ import annotations

VALUES = "apps/nas/jellyfin/values.yaml"


def files(image: str) -> dict[str, str]:
    """The repository, ``image`` the ImageRepository scans."""
    return {
        "clusters/nas/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: apps, namespace: flux-system}\n"
            "spec:\n  path: ./apps/nas\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        ),
        "apps/nas/kustomization.yaml": "resources:\n- jellyfin\n",
        "apps/base/jellyfin/kustomization.yaml": "resources:\n- helmrelease.yaml\n- imagerepository.yaml\n",
        "apps/base/jellyfin/helmrelease.yaml": (
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            "metadata: {name: base-jellyfin, namespace: flux-system}\n"
            "spec:\n  chart:\n    spec:\n      chart: jellyfin\n"
            "      sourceRef: {kind: HelmRepository, name: wahooli, namespace: flux-system}\n"
            '      version: ">=0.1.1-0"\n'
        ),
        "apps/base/jellyfin/imagerepository.yaml": (
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
            f"metadata: {{name: jellyfin, namespace: flux-system}}\nspec:\n  image: {image}\n"
        ),
        "apps/nas/jellyfin/kustomization.yaml": (
            "resources:\n- ../../base/jellyfin\n- imagepolicy.yaml\n"
            "patches:\n- path: helmrelease.yaml\n  target: {kind: HelmRelease}\n"
            "  options: {allowNameChange: true}\n"
            "configMapGenerator:\n- files:\n  - values.yaml=values.yaml\n  name: jellyfin-values\n"
            "  namespace: flux-system\n"
        ),
        "apps/nas/jellyfin/helmrelease.yaml": (
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            "metadata: {name: default--jellyfin, namespace: flux-system}\n"
            "spec:\n  releaseName: jellyfin\n  valuesFrom:\n"
            "  - kind: ConfigMap\n    name: jellyfin-values\n    valuesKey: values.yaml\n"
        ),
        "apps/nas/jellyfin/imagepolicy.yaml": (
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
            "metadata: {name: jellyfin, namespace: flux-system}\n"
            "spec:\n  imageRepositoryRef: {name: jellyfin}\n  policy:\n    semver: {range: x.x.x}\n"
        ),
        VALUES: (
            "strategy:\n  type: Recreate\n"
            'image:\n  tag: "10.11.8" # {"$imagepolicy": "flux-system:jellyfin:tag"}\n'
        ),
    }
