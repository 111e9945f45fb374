"""A folder inside a Flux Kustomization's path, an environment's path of its own, is built as Flux
builds the path it is in: with no load restrictor, so a replacements file above it is read
(joryirving/home-ops kubernetes/apps/main/network, a regression rescore20 found: its alpine pins
became "kubectl kustomize failed")."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from testkit import small_repos
from testkit.local_git import write

CERT_SYNC = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: cert-sync
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cert-sync
              image: alpine:3.24
"""
NAMESPACE_REPLACEMENT = """- source:
    kind: Namespace
    fieldPath: metadata.name
  targets:
    - select:
        kind: Kustomization
        group: kustomize.toolkit.fluxcd.io
      fieldPaths:
        - spec.targetNamespace
      options:
        create: true
"""


def _flux_folder_reading_a_file_above_it(tmp_path: Path) -> Path:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/network/kustomization.yaml": (
                "namespace: network\nreplacements:\n  - path: ../../components/replacements/ks.yaml\n"
                "resources: [./namespace.yaml, ./cert-sync.yaml]\n"
            ),
            "kubernetes/apps/network/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: network}\n",
            "kubernetes/apps/network/cert-sync.yaml": CERT_SYNC,
            "kubernetes/components/replacements/ks.yaml": NAMESPACE_REPLACEMENT,
        },
    )
    (root / "gitops-bot.yaml").write_text(
        'version: 1\nimages:\n- name: "alpine"\n  policy: semver\n'
        'environments:\n- name: cluster\n  paths: ["kubernetes/apps/network"]\n'
    )
    return root


# joryirving/home-ops kubernetes/apps/main/network/kustomization.yaml: `replacements: [{path:
# ../../../components/replacements/ks.yaml}]`, a file above the folder, which Flux reads (it builds
# its Kustomization's path, kubernetes/apps/main, with no load restrictor, and this folder as part of
# it). On 3802c4ec alpine at kubernetes/apps/main/network/cert-sync.yaml:63 (and the same image's
# key at kubernetes/apps/base/llm/hermes/helmrelease.yaml:27) was pinned for main; on 25f8061a init
# makes kubernetes/apps/main/network a path of main, the reader builds it with kustomize's load
# restrictor and plan says `unsupported`: "kubernetes/apps/main/network: kubectl kustomize failed:
# error: trouble configuring builtin ReplacementTransformer with config: `".
def test_a_folder_flux_builds_inside_its_sync_path_is_built_as_flux_builds_it(tmp_path: Path) -> None:
    app = open_app(_flux_folder_reading_a_file_above_it(tmp_path))
    (target,) = app.targets(app.config.environment("cluster"))
    reading = target.reading
    assert target.deployed is not None, (reading.status, reading.reason) if reading else target
