"""init and the chart versions an ApplicationSet's generators set: each chart its list elements
name is said with its version and the line that sets it (never a ``{{...}}`` as written); one an
environment renders is configured with its guessed policy; a value only Argo CD knows (a
cluster's, a git generator's directory) is said with the generator that sets it."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import config
from gitops_bot.engine.discovery import discover, draft
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

# the shape of AmirMalaeb/eks-argocd-gitops apps/applicationsets/{platform-components,retail-store}.yaml
PLATFORM = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform-components
spec:
  generators:
  - matrix:
      generators:
      - list:
          elements:
          - component: kyverno
            repoUrl: https://kyverno.github.io/kyverno/
            chart: kyverno
            chartVersion: "3.4.0"
          - component: prometheus
            repoUrl: https://prometheus-community.github.io/helm-charts
            chart: kube-prometheus-stack
            chartVersion: "77.10.0"
      - list:
          elements:
          - environment: dev
          - environment: production
  template:
    metadata:
      name: '{{component}}-{{environment}}'
    spec:
      source:
        repoURL: '{{repoUrl}}'
        chart: '{{chart}}'
        targetRevision: '{{chartVersion}}'
"""
RETAIL = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: retail-store
spec:
  generators:
  - list:
      elements:
      - {service: ui, chart: retail-store-sample-ui-chart}
  template:
    metadata:
      name: 'retail-store-{{service}}'
    spec:
      source:
        repoURL: public.ecr.aws/aws-containers
        chart: '{{chart}}'
        targetRevision: 1.3.0
"""
CLUSTERS = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: per-cluster
spec:
  generators:
  - clusters: {selector: {matchLabels: {tier: edge}}}
  template:
    metadata:
      name: 'ingress-{{name}}'
    spec:
      source:
        repoURL: https://kubernetes.github.io/ingress-nginx
        chart: ingress-nginx
        targetRevision: '{{metadata.annotations.ingress-version}}'
"""
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
)


def test_the_charts_list_elements_set_are_said_expanded_never_as_templates(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "apps/platform.yaml": PLATFORM,
            "apps/retail.yaml": RETAIL,
            "apps/edge.yaml": CLUSTERS,
            "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/dev/deploy.yaml": DEPLOY,
        },
    )
    notes = "\n".join(discover(repo).notes)
    assert "{{" not in notes
    assert "chart kyverno 3.4.0 of https://kyverno.github.io/kyverno (apps/platform.yaml:14)" in notes
    assert (
        "chart kube-prometheus-stack 77.10.0 of https://prometheus-community.github.io/helm-charts (apps/platform.yaml:18)"
        in notes
    )
    assert (
        "chart retail-store-sample-ui-chart 1.3.0 of oci://public.ecr.aws/aws-containers (apps/retail.yaml:17)"
        in notes
    )
    edge = next(n for n in notes.splitlines() if "per-cluster" in n)
    assert "chart ingress-nginx" in edge and "only the cluster registered in Argo CD holds" in edge


def test_a_chart_set_in_an_element_an_environment_renders_is_configured(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "apps/platform.yaml": PLATFORM,
            "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n- ../../apps/platform.yaml\n",
            "overlays/dev/deploy.yaml": DEPLOY,
        },
    )
    found = discover(repo)
    charts = {c.name: c for c in found.charts}
    assert set(charts) == {"kyverno", "kube-prometheus-stack"}
    assert charts["kyverno"].versions == ("3.4.0",)
    assert charts["kyverno"].how == (
        "Argo CD ApplicationSet chart kyverno (the version its Applications read) at apps/platform.yaml:14"
    )
    assert not any("kyverno" in n for n in found.notes)  # configured, so not said as not read
    cfg = config.parse(config_text(found), "gitops-bot.yaml")
    assert cfg.chart("kyverno") is not None and cfg.chart("kyverno").policy.range == ">=3.0.0 <4.0.0"


def test_a_chart_a_git_generator_names_is_said_with_that_generator(tmp_path: Path) -> None:
    appset = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: per-directory
spec:
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://github.com/acme/gitops.git
          revision: HEAD
          directories:
          - path: charts/*
      - list:
          elements:
          - version: 1.0.0
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      source:
        repoURL: https://charts.example.com
        chart: '{{path.basename}}'
        targetRevision: '{{version}}'
"""
    repo = write(
        tmp_path,
        {
            "apps/dirs.yaml": appset,
            "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/dev/deploy.yaml": DEPLOY,
        },
    )
    notes = [n for n in discover(repo).notes if "per-directory" in n]
    assert notes == [
        "apps/dirs.yaml: Argo CD ApplicationSet per-directory renders a chart, not read: the template "
        "reads 'path.basename', which its git generator (one Application per directory) sets"
    ]


# krancour/kargo-examples' 01-argocd-driven/02-helm-driven/{01-chart-only,02-image-only/01-with-chart-repo}
# /argocd.yaml, reduced: Kargo writes the first one's version ('placeholder' until a Stage promotes)
KARGO_APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {name}
spec:
  generators:
  - list:
      elements:
      - stage: test
      - stage: prod
  template:
    metadata:
      name: {name}-{{{{stage}}}}
      annotations:
        kargo.akuity.io/authorized-stage: {name}:{{{{stage}}}}
    spec:
      source:
        repoURL: https://charts.bitnami.com/bitnami
        chart: nginx
        targetRevision: {version}
      destination:
        server: https://kubernetes.default.svc
"""


def test_a_target_revision_that_is_no_version_is_not_read_and_each_file_is_its_own_environment(
    tmp_path: Path,
) -> None:
    files = {
        "01-chart-only/argocd.yaml": KARGO_APPSET.format(name="kargo-demo-02", version="placeholder"),
        "02-with-chart-repo/argocd.yaml": KARGO_APPSET.format(name="kargo-demo-03", version="14.1.0"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    drafted = draft(tmp_path, discover(tmp_path))
    assert drafted is not None
    found = drafted[0]
    assert [c.name for c in found.charts] == ["nginx"]
    assert not found.charts[0].ranges, found.charts[0]
    assert found.charts[0].versions == ("14.1.0",)
    assert any("targetRevision 'placeholder' is not a chart version" in n for n in found.notes), found.notes
    # two unrelated demos: never one environment over both files
    assert all(len(e.paths) == 1 for e in found.environments), found.environments
