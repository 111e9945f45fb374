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
