"""helm's refusal of a chart is said with its cause: helm 4 writes the error over several lines
(`Error: <file>:17:28`, `executing ... at <include ...>:`, `error calling include:`, the cause),
and the note kept the first alone (mhuzkhan/aks-gitops-demo's hello-api includes a template the
chart lacks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from testkit.kubetools import helm
from testkit.local_git import committed


def _init(root: Path, files: dict[str, str]) -> object:
    return cli.execute(["init", "--repo", str(committed(root, files))]).body


_BROKEN = """apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    spec:
      containers:
        - name: hello
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_helm_s_failure_is_said_with_its_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mhuzkhan/aks-gitops-demo 1a0188b, gitops/apps/hello-api/templates/deployment.yaml:17 includes
    a templates/configmap.yaml the chart lacks. helm v4 prints the error over four lines (`Error:
    <file>:17:28`, `executing … at <include …>:`, `error calling include:`, `template: no template
    "hello-api/templates/configmap.yaml" …`); render/helm_render.py keeps the last line opening
    with `Error:`, so the note read `failed: Error: hello-api/templates/deployment.yaml:17:28:
    what it runs is read by the bot's own rules`, the cause cut off. Should: the cause said."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    body = _init(
        tmp_path / "repo",
        {
            "apps/hello/Chart.yaml": "apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: 1.0.0\n",
            "apps/hello/values.yaml": "image:\n  repository: ghcr.io/acme/hello\n  tag: 1.2.0\n",
            "apps/hello/values-prod.yaml": "replicaCount: 3\n",
            "apps/hello/templates/deployment.yaml": _BROKEN,
        },
    )
    notes = [n for e in body.plan.environments for n in e.notes]  # type: ignore[attr-defined]
    failed = [n for n in notes if "failed" in n]
    assert failed, notes
    assert 'no template "hello/templates/configmap.yaml"' in failed[0], failed
