"""A chart pinned at many sites of one environment, one of them in a unit kustomize refuses
(auricom/home-ops): that site stays as it is, said with its unit's refusal; the chart is
released at the others, never skipped for the whole environment; so too where the refused unit
holds no chart and the environment pins charts alone (tbondarchuk/flux-fleet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.model import Choice
from gitops_bot.engine.app import open_app
from gitops_bot.release import planning
from testkit import small_repos
from testkit.kubetools import kubectl
from testkit.local_git import write

APP_CHART = "oci://ghcr.io/bjw-s-labs/helm/app-template"
APP_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: {name}
  values:
    controllers:
      {name}:
        containers:
          app:
            image:
              repository: ghcr.io/acme/{name}
              tag: 1.0.0
"""


def _flux_app(namespace: str, name: str) -> dict[str, str]:
    folder = f"kubernetes/apps/{namespace}/{name}"
    return {
        f"{folder}/ks.yaml": small_repos.flux_kustomization(name, f"./{folder}/app"),
        f"{folder}/app/kustomization.yaml": "resources: [./ocirepository.yaml, ./helmrelease.yaml]\n",
        f"{folder}/app/ocirepository.yaml": small_repos.oci_repository(name, APP_CHART, "5.0.1"),
        f"{folder}/app/helmrelease.yaml": APP_RELEASE.replace("{name}", name),
    }


# auricom/home-ops kubernetes/apps/observability/kustomization.yaml:15 lists `./nut-exporter/ks.yaml`,
# which the repository does not hold, so kustomize refuses that namespace folder. Every namespace
# folder also takes `../../components/common`, whose app-template OCIRepository is thereby in the
# refused unit; each app's own folder (67 of them, each its own Flux Kustomization with its own
# app-template OCIRepository) renders. plan skips chart app-template for the whole cluster with the
# refusal, though init's note on the same refusal says "what it renders is not released, the
# environment's others are": 64 chart versions outside that folder not released. Without the
# component the chart is read (5.0.1, checked).
COMPONENT = "kubernetes/components/common/ocirepository.yaml"


def test_a_refused_folder_holding_one_site_of_a_chart_does_not_block_its_other_sites(tmp_path: Path) -> None:
    component = small_repos.oci_repository("app-template", APP_CHART, "5.0.1")
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/default/kustomization.yaml": (
                "components: [../../components/common]\nresources: [./sonarr/ks.yaml]\n"
            ),
            "kubernetes/apps/observability/kustomization.yaml": (
                "components: [../../components/common]\n"
                "resources: [./unpoller/ks.yaml, ./nut-exporter/ks.yaml]\n"
            ),
            "kubernetes/components/common/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                "resources: [./ocirepository.yaml]\n"
            ),
            COMPONENT: component,
            **_flux_app("default", "sonarr"),
            **_flux_app("observability", "unpoller"),
        },
    )
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: app-template\n  repository: oci://ghcr.io/bjw-s-labs/helm\n"
        "environments:\n- name: cluster\n  paths: [kubernetes/apps/default/sonarr/app, "
        "kubernetes/apps/observability/unpoller/app, kubernetes/apps]\n"
    )
    app = open_app(root)
    (target,) = app.chart_targets(app.config.environment("cluster"))
    assert target.version == "5.0.1", target
    # the site the refused unit reads is not among the places the release edits, and is named
    # (a release leaving it behind in silence was rescore20's W1)
    assert not [a for a in target.also if a.startswith("kubernetes/components/")], target.also
    assert target.left == (f"{COMPONENT}:8",), target
    said = target.reading().describe()
    assert f"not released at {COMPONENT}:8, which a unit its tool refuses reads" in said, said
    item = planning.chart_item(target, Choice("5.2.0", "the newest"))
    assert item.reason == f"the newest; it leaves {COMPONENT}:8, which a unit its tool refuses reads", item


CHART_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: kube-system
spec:
  interval: 1h
  chart:
    spec:
      chart: {name}
      version: {version}
      sourceRef:
        kind: HelmRepository
        name: {name}
        namespace: flux-system
"""


# tbondarchuk/flux-fleet infrastructure/monitoring-extra/base/aws/kustomization.yaml:10: its
# configMapGenerator names `cw-logs.json`, which the repository does not hold (its own breakage at
# HEAD), so `kubectl kustomize infrastructure/monitoring-extra/{stage,prod}` fails. That folder holds
# no chart; each of the 16 charts sits in another folder its own Flux Kustomization applies
# (infrastructure/system/stage, …/monitoring/stage, …). plan skips every chart of both clusters,
# "(not deployed) skip (error): infrastructure/monitoring-extra/stage: kubectl kustomize failed",
# where a folder kustomize refuses for a missing patch (infrastructure/flux-webhook/stage, same
# repository) gets "what it renders is not released, the environment's others are". With the file
# added, all 16 are read (checked). Flux fails that one Kustomization and applies the others.
def test_a_folder_kustomize_fails_on_does_not_block_the_charts_of_the_cluster_s_other_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    root = write(
        tmp_path,
        {
            "clusters/stage/kustomization.yaml": "resources: [./system.yaml, ./monitoring-extra.yaml]\n",
            "clusters/stage/system.yaml": small_repos.flux_kustomization(
                "system", "./infrastructure/system/stage"
            ),
            "clusters/stage/monitoring-extra.yaml": small_repos.flux_kustomization(
                "monitoring-extra", "./infrastructure/monitoring-extra/stage"
            ),
            "infrastructure/system/base/kustomization.yaml": "resources: [./source.yaml, ./release.yaml]\n",
            "infrastructure/system/base/source.yaml": small_repos.helm_repository(
                "metrics-server", "https://kubernetes-sigs.github.io/metrics-server"
            ),
            "infrastructure/system/base/release.yaml": CHART_RELEASE.format(
                name="metrics-server", version="3.10.0"
            ),
            "infrastructure/system/stage/kustomization.yaml": "resources: [../base]\n",
            "infrastructure/monitoring-extra/base/kustomization.yaml": (
                "configMapGenerator:\n- name: dashboards\n  files: [aws-sqs.json, cw-logs.json]\n"
            ),
            "infrastructure/monitoring-extra/base/aws-sqs.json": "{}\n",
            "infrastructure/monitoring-extra/stage/kustomization.yaml": "resources: [../base]\n",
        },
    )
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: metrics-server\n"
        "  repository: https://kubernetes-sigs.github.io/metrics-server\n"
        "environments:\n- name: stage\n  paths: [clusters/stage, infrastructure/system/stage, "
        "infrastructure/monitoring-extra/stage]\n"
    )
    app = open_app(root)
    (target,) = app.chart_targets(app.config.environment("stage"))
    assert target.version == "3.10.0", target
    said = app.readings()["stage"].said
    assert any(
        s.startswith("infrastructure/monitoring-extra/stage: kubectl kustomize failed") for s in said
    ), said
