"""An Argo CD ApplicationSet generating an Application per stage, each reading a values file of
its own: an environment per generated Application's stage, its path that values file, never one
environment named after the destination cluster all of them share (which read one stage's pin as
the image's), nor "no environment" when the chart is a Helm repository's."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

STAGES = ("dev", "qa", "uat", "prod", "dr")

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
      - name: shop
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def _appset(source: str, go: bool = False) -> str:
    elements = "".join(f"      - env: {s}\n" for s in STAGES)
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: shop\n  namespace: argocd\n"
        f"spec:\n{'  goTemplate: true' + chr(10) if go else ''}  generators:\n  - list:\n      elements:\n"
        f"{elements}"
        "  template:\n    metadata:\n      name: 'shop-{{" + (".env" if go else "env") + "}}'\n"
        "    spec:\n      project: default\n" + source + "      destination:\n        name: in-cluster\n"
        "        namespace: shop\n"
    )


def _stages(found_envs: object) -> dict[str, tuple[str, ...]]:
    return {e.name: e.paths for e in found_envs}  # type: ignore[attr-defined]


def test_a_values_file_per_generated_application_is_an_environment_each(tmp_path: Path) -> None:
    source = (
        "      source:\n        repoURL: https://github.com/acme/gitops.git\n        targetRevision: HEAD\n"
        "        path: chart/shop\n        helm:\n          valueFiles:\n          - values.yaml\n"
        "          - 'env/{{env}}.yaml'\n"
    )
    files = {
        "argocd/appset.yaml": _appset(source),
        "chart/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        "chart/shop/values.yaml": "image:\n  repository: ghcr.io/acme/shop\n  tag: 1.0.0\n",
        "chart/shop/templates/deploy.yaml": DEPLOY,
        **{f"chart/shop/env/{s}.yaml": f"image:\n  tag: 1.{i}.0\n" for i, s in enumerate(STAGES)},
    }
    found = discover(write(tmp_path, files))
    assert _stages(found.environments) == {s: (f"chart/shop/env/{s}.yaml",) for s in STAGES}
    assert "in-cluster" not in _stages(found.environments)
    (shop,) = found.images
    assert sorted(shop.tags) == sorted(f"1.{i}.0" for i in range(len(STAGES)))
    for e in found.environments:
        assert found.readings[e.name].image("ghcr.io/acme/shop") is not None
    assert all("ApplicationSet shop" in h for e in found.environments for h in e.how)


def test_a_helm_repository_chart_with_values_files_here(tmp_path: Path) -> None:
    """The chart from a Helm repository, each stage's values from this repository ($values)."""
    source = (
        "      sources:\n      - repoURL: https://charts.example.com\n        chart: shop\n"
        "        targetRevision: 1.2.3\n        helm:\n          valueFiles:\n"
        "          - '$values/values/{{.env}}.yaml'\n"
        "      - repoURL: https://github.com/acme/gitops.git\n        targetRevision: HEAD\n        ref: values\n"
    )
    files = {
        "argocd/appset.yaml": _appset(source, go=True),
        **{
            f"values/{s}.yaml": f"image:\n  repository: ghcr.io/acme/shop\n  tag: 1.{i}.0\n"
            for i, s in enumerate(STAGES)
        },
    }
    found = discover(write(tmp_path, files))
    assert _stages(found.environments) == {s: (f"values/{s}.yaml",) for s in STAGES}
    assert [i.name for i in found.images] == ["ghcr.io/acme/shop"]
    assert {e.name: e.promote_from for e in found.environments}["prod"] == "uat"


def test_a_git_generator_over_stage_directories_on_one_cluster(tmp_path: Path) -> None:
    """envs/dev and envs/prod generated onto one cluster (in-cluster): two environments, each a
    stage, never one environment named after the cluster."""
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: app\n        image: ghcr.io/acme/app:{tag}\n"
    )
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: app}\nspec:\n"
        "  generators:\n  - git:\n      repoURL: https://github.com/acme/gitops.git\n      revision: HEAD\n"
        "      directories:\n      - path: envs/*\n"
        "  template:\n    metadata: {name: 'app-{{path.basename}}'}\n    spec:\n      project: default\n"
        "      source: {repoURL: 'https://github.com/acme/gitops.git', targetRevision: HEAD, path: '{{path}}'}\n"
        "      destination: {name: in-cluster, namespace: '{{path.basename}}'}\n"
    )
    files = {
        "appset.yaml": appset,
        "envs/dev/deploy.yaml": deploy.format(tag="1.2.0"),
        "envs/prod/deploy.yaml": deploy.format(tag="1.1.0"),
    }
    found = discover(write(tmp_path, files))
    assert _stages(found.environments) == {"dev": ("envs/dev",), "prod": ("envs/prod",)}
    assert {e.name: e.promote_from for e in found.environments} == {"dev": None, "prod": "dev"}


DEVEL_APPS_SET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: sportbook-devel-appset
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - name: sportsbook-cashout-engine
          - name: sportsbook-bet-api
          - name: sportsbook-resulting-api
  template:
    metadata:
      name: "{{name}}-devel"
    spec:
      project: sportsbook-devel
      source:
        repoURL: "https://github.com/BetikaDevOps/sportsbook-argocd-apps.git"
        targetRevision: HEAD
        path: helm-chart/sportsbook
        helm:
          valueFiles:
            - values/devel/{{name}}.yaml
      destination:
        server: https://kubernetes.default.svc
        namespace: devel
"""


SPORTSBOOK_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.appName }}
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


# BetikaDevOps/sportsbook-argocd-apps argocd-apps/applicationset-devel.yaml: a list generator over three
# services (sportsbook-cashout-engine, -bet-api, -resulting-api), each an Application of the one chart
# helm-chart/sportsbook with `values/devel/{{name}}.yaml`, all to namespace `devel` of one cluster.
# init makes three environments named after the services, each a values file; the stage is `devel`
# (its folder, its namespace, its project sportsbook-devel). The issue: "an environment per generated
# Application's stage" — one environment holding the three values files.
def test_a_list_generator_over_services_of_one_stage_is_one_environment(tmp_path: Path) -> None:
    files = {
        "argocd-apps/applicationset-devel.yaml": DEVEL_APPS_SET,
        "helm-chart/sportsbook/Chart.yaml": "apiVersion: v2\nname: sportsbook\nversion: 0.1.0\n",
        "helm-chart/sportsbook/values.yaml": "appName: app\nimage:\n  repository: nginx\n  tag: ''\n",
        "helm-chart/sportsbook/templates/deployment.yaml": SPORTSBOOK_DEPLOYMENT,
    }
    for service, tag in [
        ("sportsbook-cashout-engine", "1.0.1"),
        ("sportsbook-bet-api", "1.0.2"),
        ("sportsbook-resulting-api", "1.0.3"),
    ]:
        files[f"helm-chart/sportsbook/values/devel/{service}.yaml"] = (
            f"appName: {service}\nimage:\n  repository: nginx\n  tag: {tag}\n"
        )
    found = discover(
        write(tmp_path, files), origin="https://github.com/BetikaDevOps/sportsbook-argocd-apps.git"
    )
    assert [e.name for e in found.environments] == ["devel"], [(e.name, e.paths) for e in found.environments]
