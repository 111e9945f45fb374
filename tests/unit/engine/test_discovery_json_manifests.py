"""A repository whose deployed manifests are JSON that CUE writes (kasuboski/k8s-gitops@8097593b:
manifests/apps.json, an Application of manifests/apps, and manifests/media/deployment-sonarr.json,
all made by `cue` from the *.cue files at the root). The bot reads and edits YAML manifests:
init said nothing of the JSON and offered CUE's module folder (cue.mod/gen, upstream YAML CUE
imports) as 'workload manifests deployed as they are', a wrong file to edit. Now cue.mod is no
part of the repository's deployment, and the JSON manifests are said with what writes them."""

from __future__ import annotations

import json
from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APP = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "media", "namespace": "argocd"},
    "spec": {
        "destination": {"namespace": "media", "server": "https://kubernetes.default.svc"},
        "project": "default",
        "source": {"path": "manifests/media", "repoURL": "https://github.com/acme/gitops.git"},
    },
}
DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "sonarr"},
    "spec": {"template": {"spec": {"containers": [{"name": "sonarr", "image": "linuxserver/sonarr:4.0.9"}]}}},
}


def _files(cue: bool) -> dict[str, str]:
    files = {
        "manifests/apps.json": json.dumps(APP, indent=2),
        "manifests/media/deployment-sonarr.json": json.dumps(DEPLOY, indent=2),
        "cue.mod/gen/github.com/acme/upstream/deploy.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: up}\n"
            "spec: {template: {spec: {containers: [{name: up, image: 'ghcr.io/acme/upstream:1.0.0'}]}}}\n"
        ),
    }
    if cue:
        files["media.cue"] = (
            'package kube\n\ndeployment: sonarr: spec: template: spec: containers: [{image: "linuxserver/sonarr:4.0.9"}]\n'
        )
    return files


def test_json_manifests_cue_writes_are_said_with_the_source_to_edit(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(cue=True)))
    said = " ".join(found.notes)
    assert "cue.mod" not in said, found.notes
    assert (
        "manifests/apps.json, manifests/media/deployment-sonarr.json: Kubernetes objects written as JSON "
        "(Application, Deployment), which the bot neither reads nor edits; CUE writes them from the .cue "
        "files here (media.cue): release by editing those, or write the manifests as YAML"
    ) in found.notes, found.notes


def test_json_manifests_alone_are_said(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(cue=False)))
    assert (
        "manifests/apps.json, manifests/media/deployment-sonarr.json: Kubernetes objects written as JSON "
        "(Application, Deployment), which the bot neither reads nor edits; write them as YAML to have "
        "them read"
    ) in found.notes, found.notes


DIRECTORIES_APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: dougnet-appset
spec:
  generators:
    - git:
        repoURL: https://github.com/philipsd6/argocd-apps.git
        revision: HEAD
        directories:
          - path: "*"
          - path: argocd
            exclude: true
  template:
    metadata:
      name: "{{path.basenameNormalized}}"
    spec:
      project: default
      source:
        repoURL: https://github.com/philipsd6/argocd-apps.git
        targetRevision: HEAD
        path: "{{path}}"
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{path.basenameNormalized}}"
"""


CUE_CMP = """apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: cue-cmp
spec:
  version: v1.0
  generate:
    command: [argocue, generate]
  discover:
    fileName: "./*.cue"
"""


# philipsd6/argocd-apps-public argocd/overlays/dougnet/applicationset.yaml: a git directories
# generator over every top-level folder; 15 of them hold only `kube.cue` (redis/kube.cue:4
# `#Image: "redis:alpine"`, postgres/kube.cue:5 `postgres:16.0`, oauth2-proxy `v7.6.0`, …), which the
# repository's Argo CD renders with a config management plugin (argocd/base/plugin.yaml, argocue,
# discover `./*.cue`). init: "an ApplicationSet; the Applications it generates are not read, the
# directories they render are found on their own" — none is, and nothing names a .cue file or its
# images (18 image sites). A folder a deploy object renders with a tool the bot does not read is
# said, with the tool (as CUE written out to JSON is: "release by editing those").
def test_folders_an_application_set_renders_from_cue_are_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "argocd/overlays/dougnet/kustomization.yaml": "resources: [../../base, applicationset.yaml]\n",
            "argocd/overlays/dougnet/applicationset.yaml": DIRECTORIES_APPSET,
            "argocd/base/kustomization.yaml": "resources: [plugin.yaml]\n",
            "argocd/base/plugin.yaml": CUE_CMP,
            "redis/kube.cue": (
                'package kube\n\n#App: "redis"\n#Image: "redis:alpine"\n\n'
                'deployment: "redis": spec: template: spec: containers: [{\n\timage: #Image\n}]\n'
            ),
            "postgres/kube.cue": (
                'package kube\n\n#Image: "postgres:16.0"\n\n'
                'statefulSet: "postgres": spec: template: spec: containers: [{\n\timage: #Image\n}]\n'
            ),
        },
    )
    found = discover(root)
    (said,) = [n for n in found.notes if "CUE files" in n]
    assert said.startswith("2 images named in CUE files, which the bot neither reads nor edits"), said
    assert "postgres:16.0 (postgres/kube.cue:3)" in said and "redis:alpine (redis/kube.cue:4)" in said, said
