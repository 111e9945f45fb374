"""An environment whose paths are an Argo CD Application over a chart in the repository and a
directory of plain manifests applied by hand (marcusmvbs/Kind-Argocd-Nginx: the nginx chart by
Argo CD, a go app and a chart's template by ``kubectl apply -f``): helm's marked render holds
the Application chart's images to that chart; a plain manifest, or a template of a chart helm
does not render here, is never read by helm, so its image missing from helm's render says
nothing, and it stays the pin the environment's own path writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.app import open_app
from testkit.kubetools import helm, kubectl

FILES = {
    "gitops-bot.yaml": """version: 1
images:
- name: nginx
  policy: semver
  helm: {reference: image}
- name: golang
  policy: semver
- name: quay.io/prometheus/blackbox-exporter
  policy: semver
environments:
- name: kind
  paths: [application.yaml, plain/go_app, exporter/templates/deployment.yaml]
""",
    "application.yaml": """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  source:
    repoURL: https://github.com/acme/kind.git
    path: charts/web
  destination: {server: https://kubernetes.default.svc, namespace: web}
""",
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "image: nginx:1.25.4\n",
    "charts/web/templates/d.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: {{ .Values.image }}
""",
    "plain/go_app/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: go}
spec:
  template:
    spec:
      containers:
      - name: go
        image: golang:1.22.1-alpine3.19
""",
    # a chart's template applied raw (kubectl apply -f the file): helm renders no exporter here
    "exporter/Chart.yaml": "apiVersion: v2\nname: exporter\nversion: 0.1.0\n",
    "exporter/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: exporter}
spec:
  template:
    spec:
      containers:
      - name: exporter
        image: quay.io/prometheus/blackbox-exporter:v0.23.0
""",
}


def test_a_plain_manifest_beside_an_applications_chart_is_read_as_its_own_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    got = open_app(root).readings()["kind"]
    nginx, go = got.image("nginx"), got.image("golang")
    assert nginx is not None and nginx.status is PinStatus.PINNED, nginx
    assert go is not None and go.status is PinStatus.PINNED, go
    assert go.effective is not None and go.effective.tag == "1.22.1-alpine3.19", go
    assert go.effective.file == "plain/go_app/deployment.yaml"
    raw = got.image("quay.io/prometheus/blackbox-exporter")
    assert raw is not None and raw.status is PinStatus.PINNED, raw
    assert raw.effective is not None and raw.effective.tag == "v0.23.0", raw


SUNSEED = {
    # akhilsurala/argocd@07bcaa33: CI runs `kubectl apply -f Sunseed/sunseed-frontend/deployment.yaml`;
    # the directory is also a chart (Chart.yaml, templates/, values.yaml) nothing deploys
    "gitops-bot.yaml": """version: 1
images:
- name: 543409816872.dkr.ecr.us-east-1.amazonaws.com/sunseed/sunseed-frontend
  policy: newest
  pattern: '^v(?P<n>[0-9]+)$'
  helm: {repository: image.repository, tag: image.tag}
environments:
- name: default
  path: Sunseed/sunseed-frontend/deployment.yaml
""",
    "Sunseed/sunseed-frontend/Chart.yaml": "apiVersion: v2\nname: sunseed-frontend\nversion: 0.1.0\n",
    "Sunseed/sunseed-frontend/values.yaml": "image:\n"
    "  repository: 543409816872.dkr.ecr.us-east-1.amazonaws.com/sunseed/sunseed-frontend\n"
    '  tag: "v19"\n',
    "Sunseed/sunseed-frontend/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: sunseed-frontend}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
""",
    "Sunseed/sunseed-frontend/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp-deployment
spec:
  template:
    spec:
      containers:
      - name: myapp
        image: 543409816872.dkr.ecr.us-east-1.amazonaws.com/sunseed/sunseed-frontend:v10
""",
}


@pytest.mark.parametrize("tools", [True, False], ids=["rendered", "rules"])
def test_a_manifest_beside_a_charts_chart_yaml_is_applied_not_read_as_its_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tools: bool
) -> None:
    """The plan said v19 (the chart's values) ran and a release of the manifest 'changes
    nothing', and update wrote the chart's values.yaml too: helm never reads a manifest, and
    what CI applies pins v10."""
    if tools:
        monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
        monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    else:
        monkeypatch.setenv("GITOPS_BOT_KUBECTL", "/nonexistent/kubectl")
        monkeypatch.setenv("GITOPS_BOT_HELM", "/nonexistent/helm")
    root = tmp_path / "repo"
    for rel, text in SUNSEED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    got = open_app(root).readings()["default"]
    front = got.image("543409816872.dkr.ecr.us-east-1.amazonaws.com/sunseed/sunseed-frontend")
    assert front is not None and front.status is PinStatus.PINNED, front
    assert front.effective is not None and front.effective.tag == "v10", front
    assert {p.file for p in front.pins} == {"Sunseed/sunseed-frontend/deployment.yaml"}, front.pins


def test_an_object_writing_its_annotations_twice_is_rendered_and_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kustomize renders a Deployment whose metadata writes annotations: twice (talos-argocd-
    proxmox's kafka.yaml); the marked render's edit of that file re-read it as a tree and ended
    init in a traceback (DuplicateKey)."""
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        "gitops-bot.yaml": "version: 1\nimages:\n- name: docker.redpanda.com/redpandadata/redpanda\n"
        "  policy: semver\nenvironments:\n- name: dev\n  path: posthog\n",
        "posthog/kustomization.yaml": "resources:\n- kafka.yaml\n",
        "posthog/kafka.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: kafka
  annotations:
    coroot.com/slo-latency-threshold: "10s"
  annotations:
    argocd.argoproj.io/sync-wave: "0"
spec:
  template:
    spec:
      containers:
      - name: kafka
        image: docker.redpanda.com/redpandadata/redpanda:v24.2.7
""",
    }
    root = tmp_path / "repo"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    got = open_app(root).readings()["dev"].image("docker.redpanda.com/redpandadata/redpanda")
    assert got is not None and got.status is PinStatus.PINNED, got
    assert got.effective is not None and got.effective.tag == "v24.2.7", got
