"""An image only a kustomize patch names (a JSON 6902 operation adding a container, a
strategic-merge patch written inline) runs in its overlay: init lists it, and the plan pins it
where the patch writes it. It was in no entry and nothing said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

ADD_6902 = (
    "  patch: |-\n    - op: add\n      path: /spec/template/spec/containers/-\n      value:\n"
    "        name: sidecar\n        image: ghcr.io/acme/sidecar:0.3.0\n"
)
INLINE_SMP = (
    "  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web}\n    spec:\n"
    "      template:\n        spec:\n          containers:\n          - name: sidecar\n"
    "            image: ghcr.io/acme/sidecar:0.3.0\n"
)


@pytest.mark.parametrize("patch", [ADD_6902, INLINE_SMP], ids=["json6902-add", "inline-smp"])
def test_an_image_only_an_inline_patch_names_is_listed(tmp_path: Path, patch: str) -> None:
    root = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
            "overlays/prod/kustomization.yaml": (
                "resources:\n- ../../base\npatches:\n- target: {kind: Deployment, name: web}\n" + patch
            ),
        },
    )
    found = discover(root)
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/sidecar", "ghcr.io/acme/web"], found.notes


def test_an_image_a_json6902_patch_file_adds_is_listed(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
            "overlays/prod/kustomization.yaml": (
                "resources:\n- ../../base\npatches:\n- target: {kind: Deployment, name: web}\n  path: add.yaml\n"
            ),
            "overlays/prod/add.yaml": (
                "- op: add\n  path: /spec/template/spec/initContainers\n  value:\n"
                "  - name: migrate\n    image: ghcr.io/acme/migrate:4.1.0\n"
            ),
        },
    )
    found = discover(root)
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/migrate", "ghcr.io/acme/web"], found.notes
