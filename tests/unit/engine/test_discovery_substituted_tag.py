"""A tag that is a Flux postBuild variable no file defines (monosense-io/k8s-gitops@33abfe94,
found by a newcomer: quay.io/ceph/ceph:${ROOK_CEPH_IMAGE_TAG}, which cluster-settings does not
define): init guessed policy newest from the text ${...}, and the plan showed it as the version
running; a release would write a literal over the variable in the shared file."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

CEPH = """apiVersion: ceph.rook.io/v1
kind: CephCluster
metadata: {name: ceph}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: toolbox}
spec:
  template:
    spec:
      containers:
        - {name: toolbox, image: "quay.io/ceph/ceph:${ROOK_CEPH_IMAGE_TAG}"}
        - {name: web, image: "ghcr.io/acme/web:1.2.0"}
"""


def test_a_tag_flux_substitutes_from_nothing_here_is_said_not_guessed(tmp_path: Path) -> None:
    files = {"apps/prod/kustomization.yaml": "resources: [ceph.yaml]\n", "apps/prod/ceph.yaml": CEPH}
    found = discover(write(tmp_path, files))
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"], found.images
    (said,) = [n for n in found.notes if n.startswith("quay.io/ceph/ceph: pinned as ${ROOK_CEPH_IMAGE_TAG}")]
    assert "not configured" in said and "postBuild.substituteFrom" in said, said
