"""An app-of-apps chart whose Application templates sit in folders of ``templates/``
(mctlhq/mctl-gitops' platform-gitops/bootstrap: templates/core-infra/, templates/observability/,
...) is the app of apps it is: each Application it yields is followed, a multi-source one's
source of this repository too (the pushgateway its monitoring Application deploys), and what the
chart's templates write themselves stays read (a chart version an Application pins, an image a
CronJob of the root writes whole). Read as plain files, the Applications' paths were never
followed and the images they deploy were "not rendered"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.app import open_app
from testkit import app_of_apps
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

MONITORING = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: monitoring
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://victoriametrics.github.io/helm-charts/
      chart: victoria-metrics-k8s-stack
      targetRevision: "0.72.5"
    - repoURL: {{ .Values.repoURL }}
      targetRevision: HEAD
      path: infra/pushgateway
  destination:
    server: https://kubernetes.default.svc
    namespace: monitoring
"""
PRUNE = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: image-prune
  namespace: {{ .Release.Namespace }}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: prune
              image: busybox:1.36
"""
PUSHGATEWAY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: pushgateway
spec:
  template:
    spec:
      containers:
        - name: pushgateway
          image: prom/pushgateway:v1.10.0
"""
CONFIG = """version: 1
images:
- {name: busybox, policy: semver}
- {name: prom/pushgateway, policy: semver}
charts:
- {name: victoria-metrics-k8s-stack, repository: 'https://victoriametrics.github.io/helm-charts/'}
environments:
- {name: prod, path: platform/bootstrap}
"""


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())


@pytest.mark.parametrize("folder", ["templates/observability", "templates"])
def test_the_applications_of_a_chart_in_template_folders_are_followed(tmp_path: Path, folder: str) -> None:
    files = {
        "gitops-bot.yaml": CONFIG,
        "platform/bootstrap/Chart.yaml": "apiVersion: v2\nname: bootstrap\nversion: 0.1.0\n",
        "platform/bootstrap/values.yaml": f"repoURL: {app_of_apps.HERE}\n",
        f"platform/bootstrap/{folder}/monitoring.yaml": MONITORING,
        "platform/bootstrap/templates/core/image-prune.yaml": PRUNE,
        "infra/pushgateway/pushgateway.yaml": PUSHGATEWAY,
    }
    app = open_app(write(tmp_path, files))
    (env,) = app.config.environments
    reading = app.reading(env)
    pins = {i.image: (i.status, i.effective and i.effective.place) for i in reading.images}
    assert pins == {
        "busybox": (PinStatus.PINNED, "platform/bootstrap/templates/core/image-prune.yaml:14"),
        "prom/pushgateway": (PinStatus.PINNED, "infra/pushgateway/pushgateway.yaml:10"),
    }, reading.notes
    (pin,) = app.chart_pins(env)
    assert (pin.file, pin.site.version) == (f"platform/bootstrap/{folder}/monitoring.yaml", "0.72.5")


# an Application written whole, setting Helm values of its own over its value file
INLINE = app_of_apps.APPLICATION.format(
    name="web",
    source=app_of_apps.source(
        "web",
        extra="    helm:\n      valueFiles: [values-prod.yaml]\n      values: |\n        image:\n"
        "          tag: 1.3.0\n",
    ),
    namespace="argocd",
)
DEPLOYMENT = PUSHGATEWAY.replace(
    "prom/pushgateway:v1.10.0", "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'"
)


def test_a_yielded_applications_own_helm_values_written_whole_are_its_pin(tmp_path: Path) -> None:
    """A template writing its Application whole (no template action), whose helm.values set the
    image's tag over its value file: helm prints it as written and Argo CD layers those values last,
    so the template's line is what runs and where a release writes. It read values-prod.yaml as the
    pin, a line that changes nothing."""
    files = {
        "gitops-bot.yaml": "version: 1\nimages:\n- name: ghcr.io/acme/web\n  policy: semver\n"
        "  helm: {repository: image.repository, tag: image.tag}\nenvironments:\n- {name: prod, path: apps}\n",
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
        "apps/values.yaml": "{}\n",
        "apps/templates/web.yaml": INLINE,
        "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "web/values.yaml": "image: {repository: ghcr.io/acme/web, tag: 1.0.0}\n",
        "web/values-prod.yaml": "image:\n  tag: 1.1.0\n",
        "web/templates/deployment.yaml": DEPLOYMENT,
    }
    app = open_app(write(tmp_path, files))
    (image,) = app.reading(app.config.environment("prod")).images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("apps/templates/web.yaml:16", "1.3.0"), image
