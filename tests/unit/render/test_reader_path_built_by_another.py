"""An environment whose path is a kustomization another environment builds on (monedula-dev/
monedula-gitops@4934ff70: config/default pins the image, config/overlays/webhook includes it;
its docs apply exactly these two). The plan said default 'has no kustomization of its own' and
told a newcomer to restructure the install layout; its own kustomization is the one the other
builds too, and one environment listing both paths is the other way out (found by a newcomer)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

APP = "ghcr.io/monedula-dev/monedula-gitops"
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: op}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - {name: op, image: ghcr.io/monedula-dev/monedula-gitops}\n"
)


def test_its_own_kustomization_built_by_another_is_said_with_both_ways_out(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "config/default/kustomization.yaml": (
                "resources: [deployment.yaml]\nimages:\n- name: ghcr.io/monedula-dev/monedula-gitops\n"
                "  newTag: 0.8.0\n"
            ),
            "config/default/deployment.yaml": DEPLOYMENT,
            "config/overlays/webhook/kustomization.yaml": "resources: [../../default]\n",
        },
    )
    sources = [
        reader.Source("default", ("config/default",), (APP,)),
        reader.Source("webhook", ("config/overlays/webhook",), (APP,)),
    ]
    got = reader.Reader(reader.DiskTree(root), root, [images.ImageSpec(APP, APP)]).read(sources)
    image = got["default"].image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    assert "default's own kustomization config/default/kustomization.yaml is built by webhook too" in (
        image.reason or ""
    ), image
    assert "list their paths in one environment" in (image.fix or ""), image
    assert "has no kustomization of its own" not in (image.reason or ""), image
