"""A Helm chart of Argo CD Applications (an app of apps) that nothing in the repository deploys
(argoproj/argocd-example-apps' apps/, applied by hand with argocd app create --path apps, as Argo
CD's cluster bootstrapping does): init takes it as the root applied by hand, an environment of its
own, said as a guess; the reader renders it as that Application would. A chart some Application
of the repository deploys is read through that Application instead."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

APPS = """\
{{- range .Values.applications }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ printf "example.%s" .name | quote }}
spec:
  project: default
  source:
    path: {{ .path | default .name | quote }}
    repoURL: https://github.com/acme/examples
    targetRevision: HEAD
  destination: {server: https://kubernetes.default.svc, namespace: default}
---
{{ end -}}
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
ROOT = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  source: {repoURL: https://github.com/acme/examples, path: apps, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""


def _repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
            "apps/values.yaml": "applications:\n- name: web\n",
            "apps/templates/applications.yaml": APPS,
            "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: v5\n",
            "web/values-production.yaml": "replicaCount: 3\n",
            "web/templates/deployment.yaml": DEPLOY,
        },
    )


def test_a_chart_of_applications_nothing_deploys_is_the_root_applied_by_hand(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    (root,) = [e for e in found.environments if e.paths == ("apps",)]
    assert root.name == "default"  # the only root, with no stage word in its name
    assert root.how == (
        "Argo CD app of apps apps: a chart of Applications that no Application here deploys, so guessed "
        "applied by hand (argocd app create apps --path apps)",
    )
    assert not [n for n in found.notes if n.startswith("apps:")], found.notes


def test_a_chart_of_applications_an_application_deploys_is_not_taken_as_applied_by_hand(
    tmp_path: Path,
) -> None:
    found = discover(write(_repo(tmp_path), {"root.yaml": ROOT}))
    assert not [e for e in found.environments if any("applied by hand" in h for h in e.how)], (
        found.environments
    )


MY_APP_HELM = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: my-app
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/DouglasGo8/argocd-apps.git
    targetRevision: HEAD
    path: manifests/helm
    helm:
      valueFiles:
        - values.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: my-app
"""

MY_APP_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
spec:
  template:
    spec:
      containers:
      - name: my-app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        env:
        - name: JAVA_OPTS
          value: {{ .Values.env.javaOpts | quote }}
"""


# DouglasGo8/argocd-apps manifests/helm/values-production.yaml (`env.javaOpts` only): no Application
# names it — manifests/argocd/helm/my-app.yaml renders manifests/helm with `valueFiles: [values.yaml]`.
# init makes it an environment `production` beside `in-cluster` (the Application), and then the
# image, set in values.yaml:5, is `unsupported` in in-cluster: "set only in manifests/helm/values.yaml:5,
# which production renders too, and in-cluster has no values file of its own". The repository says what
# deploys the chart; a values file its deployer does not read is no environment.
def test_a_values_file_no_application_reads_is_no_environment(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "manifests/argocd/helm/my-app.yaml": MY_APP_HELM,
            "manifests/helm/Chart.yaml": "apiVersion: v2\nname: my-app\nversion: 0.1.0\n",
            "manifests/helm/values.yaml": "image:\n  repository: douglasdb/my-app\n  tag: 1.0.0\nenv:\n  javaOpts: ''\n",
            "manifests/helm/values-production.yaml": 'env:\n  javaOpts: "-XX:MaxRAMPercentage=75.0"\n',
            "manifests/helm/templates/deployment.yaml": MY_APP_TEMPLATE,
        },
    )
    found = discover(root, origin="https://github.com/DouglasGo8/argocd-apps.git")
    assert [e.name for e in found.environments] == ["in-cluster"], [
        (e.name, e.paths) for e in found.environments
    ]
    assert (
        "manifests/helm/values-production.yaml: a values file of chart manifests/helm, which its "
        "Applications here deploy reading values.yaml, none of them it: not an environment"
    ) in "\n".join(found.notes), found.notes


RANGED_CHART_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: myapp
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://BrutalHex.github.io/ops-sample/
    chart: myapp
    targetRevision: 1.x.x
    helm:
      releaseName: mysample
      valuesObject:
        s3www:
          image:
            repository: alpine
            tag: "3.22"
  destination:
    server: https://kubernetes.default.svc
    namespace: test-space
"""


# BrutalHex/ops-argocd-apps argocd-myapp.yaml: an Application of a remote chart pinned as a range
# (`targetRevision: 1.x.x`) whose `valuesObject` pins `s3www.image` alpine 3.22 (line 27) and
# minio `latest` (line 47). init exits 2 "found no environment", saying only the chart's range: the
# Application is no environment and its images are named nowhere (2 silent). With `targetRevision:
# 1.2.3` it is environment in-cluster and alpine is read. A range leaves the chart unreleased, not
# the images the Application pins.
def test_an_application_of_a_ranged_chart_keeps_its_environment_and_images(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"argocd-myapp.yaml": RANGED_CHART_APP}))
    assert [i.name for i in found.images] == ["alpine"], ([e.name for e in found.environments], found.notes)
    (said,) = [n for n in found.notes if n.startswith("chart myapp")]
    assert "pinned as a range that Helm resolves when it installs, at argocd-myapp.yaml:" in said, said


SELF_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argocd, namespace: argo-cd}
spec:
  project: addons
  source: {repoURL: 'https://github.com/yany-ops/argocd-apps.git', targetRevision: HEAD, path: manifests/argocd}
  destination: {server: 'https://kubernetes.default.svc', namespace: argo-cd}
"""


def test_an_application_over_a_folder_whose_values_name_argo_cd_kinds_is_read(tmp_path: Path) -> None:
    """yany-ops/argocd-apps apps/addons/argocd.yaml (rescore22 O7): its path builds Argo CD's own
    chart with kustomize (helmCharts, argo-cd 7.9.1) and values.yaml, whose text names
    argocd.argoproj.io/instance and, in a comment, ApplicationSet. The folder was taken for an app
    of apps, and the Application and its chart vanished with no line. A file that holds no Argo
    CD object makes no app of apps, whatever its text names."""
    files = {
        "apps/addons/argocd.yaml": SELF_APP,
        "manifests/argocd/kustomization.yaml": (
            "helmCharts:\n- name: argo-cd\n  repo: https://argoproj.github.io/argo-helm\n  releaseName: argo-cd\n"
            "  version: 7.9.1\n  valuesFile: values.yaml\n"
        ),
        "manifests/argocd/values.yaml": (
            "configs:\n  cm:\n    application.instanceLabelKey: argocd.argoproj.io/instance\n"
            "  ## ApplicationSet Properties\n"
        ),
    }
    found = discover(write(tmp_path, files), origin="https://github.com/yany-ops/argocd-apps.git")
    assert [e.paths for e in found.environments] == [("apps/addons/argocd.yaml",)], found.notes
    assert [c.name for c in found.charts] == ["argo-cd"], found.notes
