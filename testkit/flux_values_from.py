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


def chart_here(image: str) -> dict[str, str]:
    """The same repository with the chart in it (the HelmRelease's GitRepository, as Flux's
    bootstrap names this repository), its templates building ``image`` from ``image.repository``
    and ``image.tag``; values.yaml sets the tag with no marker and no ImagePolicy."""
    out = files(image)
    out["apps/base/jellyfin/helmrelease.yaml"] = (
        out["apps/base/jellyfin/helmrelease.yaml"]
        .replace("chart: jellyfin", "chart: ./charts/jellyfin")
        .replace("kind: HelmRepository, name: wahooli", "kind: GitRepository, name: flux-system")
    )
    out["charts/jellyfin/Chart.yaml"] = "apiVersion: v2\nname: jellyfin\nversion: 0.1.0\nappVersion: '9.9'\n"
    out["charts/jellyfin/values.yaml"] = f"image:\n  repository: {image}\n  tag: ''\n"
    out["charts/jellyfin/templates/deployment.yaml"] = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: jellyfin}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: jellyfin\n"
        '        image: "{{ .Values.image.repository }}:'
        '{{ .Values.image.tag | default .Chart.AppVersion }}"\n'
    )
    out[VALUES] = 'image:\n  tag: "10.11.8"\n'
    del out["apps/nas/jellyfin/imagepolicy.yaml"]
    kustomization = "apps/nas/jellyfin/kustomization.yaml"
    out[kustomization] = out[kustomization].replace("- imagepolicy.yaml\n", "")
    return out
