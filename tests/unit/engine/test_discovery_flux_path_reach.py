"""Flux applies what its path's kustomization reaches, not every folder below the path."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

FLUX_APPS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
    "metadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n"
    "  path: ./apps/overlays/lab\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
)


def test_a_folder_the_flux_paths_kustomization_leaves_out_is_not_deployed(tmp_path: Path) -> None:
    """isning/k8s-gitops@b1462b0e (newcomer16 N7, reduced by them): apps/overlays/kubevirt-lab-1/staging/kustomization.yaml lists
    only ./echo/ (./failed/ commented out); init made env `staging` of staging/failed, its alpine
    released though nothing deploys it."""
    found = discover(
        write(
            tmp_path,
            {
                "clusters/lab/apps.yaml": FLUX_APPS,
                "apps/overlays/lab/kustomization.yaml": "resources:\n- ./staging/\n",
                "apps/overlays/lab/staging/kustomization.yaml": (
                    "namespace: staging\nresources:\n- ./echo/\n# - ./failed/\n"
                ),
                "apps/overlays/lab/staging/echo/kustomization.yaml": "resources:\n- ../../../../base/echo\n",
                "apps/overlays/lab/staging/failed/kustomization.yaml": "resources:\n- ../../../../base/failed\n",
                "apps/base/echo/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "apps/base/echo/deploy.yaml": deployment("echo", "mendhak/http-https-echo:40"),
                "apps/base/failed/kustomization.yaml": "resources:\n- deploy.yaml\n",
                "apps/base/failed/deploy.yaml": deployment("failed", "alpine:3.20"),
            },
        )
    )
    paths = [p for e in found.environments for p in e.paths]
    assert not [p for p in paths if p.endswith("/failed")], found.environments
    assert "alpine" not in [i.name for i in found.images], found.images
