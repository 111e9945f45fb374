"""The fix a "not rendered" image is given never names a place that is no image's: a Flux
marker's name (``flux-system:jellyfin``, namespace and policy) split as an image reference
matched every object's ``metadata.namespace: flux-system``, and a Flux ImageRepository's
``spec.image`` (what Flux scans, not what runs) was offered for a marker comment
(wahooli/gitops-repo: a release there would write an image into a namespace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.app import open_app
from testkit.local_git import write

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: jellyfin
  namespace: flux-system
spec:
  chart:
    spec: {chart: jellyfin, version: ">=0.1.1-0", sourceRef: {kind: HelmRepository, name: wahooli}}
  valuesFrom:
  - {kind: ConfigMap, name: jellyfin-values, valuesKey: values.yaml}
"""

IMAGE_REPOSITORY = """\
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata:
  name: jellyfin
  namespace: flux-system
spec:
  image: jellyfin/jellyfin
  interval: 1h
"""


@pytest.mark.parametrize(
    "entry", ["{name: flux-system:jellyfin, repository: jellyfin/jellyfin}", "{name: jellyfin/jellyfin}"]
)
def test_no_fix_names_a_namespace_or_what_flux_scans(tmp_path: Path, entry: str) -> None:
    root = write(
        tmp_path,
        {
            "apps/base/jellyfin/kustomization.yaml": "resources: [helmrelease.yaml, imagerepository.yaml]\n",
            "apps/base/jellyfin/helmrelease.yaml": RELEASE,
            "apps/base/jellyfin/imagerepository.yaml": IMAGE_REPOSITORY,
            "gitops-bot.yaml": (
                f"version: 1\nimages:\n- {entry}\nenvironments:\n- name: nas\n  path: apps/base/jellyfin\n"
            ),
        },
    )
    app = open_app(root)
    (image,) = app.reading(app.config.environment("nas")).images
    said = f"{image.reason} {image.fix}"
    assert "metadata.namespace" not in said and "ImageRepository" not in said, said
