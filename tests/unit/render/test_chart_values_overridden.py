"""A chart's values file named as the environment's path where the repository holds an Argo CD
Application over that chart whose own Helm values (``helm.values``, ``helm.valuesObject``) or
``helm.parameters`` set the image's key: Argo CD applies those after the value files, so a
release into the values file changes nothing it runs. The reading says so at the Application's
line with the fix (name the Application's file as the path), and proposes no release there
(davidagustin/authpractice's shape, a newcomer's hand-written ``path: helm/values.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import load
from gitops_bot.core.reading import ImageReading, PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/web"
CONFIG = f"""version: 1
render: {{kubectl: KUBECTL, helm: HELM}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: prod
    path: helm/values.yaml
"""
HEAD = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/web.git
    targetRevision: main
    path: helm
    helm:
"""
TAIL = """  destination:
    server: https://kubernetes.default.svc
    namespace: web
"""
VALUES = """      valueFiles:
        - values.yaml
      # the tag CI writes
      values: |
        image:
          tag: "0.1.3"
"""
OBJECT = """      valuesObject:
        replicas: 2
        image:
          tag: 0.1.3
"""
PARAMETER = """      parameters:
        - name: image.tag
          value: "0.1.3"
"""
UNRELATED = """      values: |
        replicas: 2
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
"""


def _judged(root: Path, helm_block: str) -> tuple[ImageReading, ImageReading]:
    write(
        root,
        {
            "gitops-bot.yaml": CONFIG.replace("KUBECTL", kubectl()).replace("HELM", helm()),
            "argocd/apps/web.yaml": HEAD + helm_block + TAIL,
            "helm/Chart.yaml": 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "0.1.0"\n',
            "helm/values.yaml": f'image:\n  repository: {IMAGE}\n  tag: "0.1.2"\n',
            "helm/templates/deployment.yaml": TEMPLATE,
        },
    )
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    judged = proven.prove(config, root, list(config.environments), specs, rules)
    return rules["prod"].images[0], judged["prod"].images[0]


@pytest.mark.parametrize(
    ("application", "line", "words"),
    [
        (VALUES, 18, "own helm values"),
        (OBJECT, 16, "own helm values"),
        (PARAMETER, 15, "helm.parameters"),
    ],
    ids=["values", "valuesObject", "parameters"],
)
def test_an_applications_own_setting_over_the_values_file_is_said_and_never_released(
    tmp_path: Path, application: str, line: int, words: str
) -> None:
    rules, judged = _judged(tmp_path, application)
    for image in (rules, judged):
        assert image.status is PinStatus.UNSUPPORTED, image
        assert image.would_write is None, image
        assert image.reason is not None and image.reason.startswith(
            f"argocd/apps/web.yaml:{line} sets image.tag over helm/values.yaml"
        ), image.reason
        assert words in image.reason and "after its value files" in image.reason, image.reason
        assert image.fix is not None and "name argocd/apps/web.yaml as the environment's path" in image.fix
        # what runs is the Application's line, not the values file's
        assert [(p.file, p.line, p.tag) for p in image.pins if p.effective] == [
            ("argocd/apps/web.yaml", line, "0.1.3")
        ], image.pins
        assert any(p.file == "helm/values.yaml" and not p.effective for p in image.pins), image.pins


def test_an_applications_own_values_that_leave_the_key_alone_keep_the_values_file_the_pin(
    tmp_path: Path,
) -> None:
    rules, judged = _judged(tmp_path, UNRELATED)
    for image in (rules, judged):
        assert image.status is PinStatus.PINNED, image
        assert [(p.file, p.line) for p in image.pins if p.effective] == [("helm/values.yaml", 3)], image.pins
