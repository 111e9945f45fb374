"""A Flux fleet whose clusters sync one folder, none with a layer of its own (angelnu/k8s-gitops:
clusters/test and clusters/prod both build ./apps): every line is one both clusters render, so a
release for one cluster alone would edit the other's and was never made — every image and chart
'skip (error): … which prod renders too' in both, for ever. init makes them one environment,
released for both at once, and says how to release them apart; clusters with a layer of their
own stay apart."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit import small_repos
from testkit.local_git import write

RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  interval: 30m
  chart:
    spec:
      chart: app-template
      version: 5.1.0
      sourceRef: {kind: HelmRepository, name: bjw-s, namespace: flux-system}
  values:
    controllers:
      web:
        containers:
          app:
            image: {repository: ghcr.io/acme/web, tag: 1.4.0}
"""
REPOSITORY = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: bjw-s, namespace: flux-system}
spec: {interval: 5m, url: https://bjw-s-labs.github.io/helm-charts}
"""
VARS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cluster-vars, namespace: flux-system}}\ndata: {{DOMAIN: {c}.example.com}}\n"


def _fleet(own_layer: bool = False) -> dict[str, str]:
    files = {
        "apps/web/ks.yaml": small_repos.flux_kustomization("web", "./apps/web/app"),
        "apps/web/app/kustomization.yaml": "resources: [helmrelease.yaml]\n",
        "apps/web/app/helmrelease.yaml": RELEASE,
        "apps/flux-system/repositories/bjw-s.yaml": REPOSITORY,
        "apps/api/ks.yaml": small_repos.flux_kustomization("api", "./apps/api/app"),
        "apps/api/app/kustomization.yaml": "resources: [deploy.yaml]\n",
        "apps/api/app/deploy.yaml": small_repos.deployment("api", "ghcr.io/acme/api:2.0.0"),
    }
    for c in ("test", "prod"):
        files[f"clusters/{c}/apps.yaml"] = small_repos.flux_kustomization("cluster-apps", "./apps")
        files[f"clusters/{c}/vars.yaml"] = small_repos.flux_kustomization(
            "cluster-vars", f"./clusters/{c}/vars"
        )
        files[f"clusters/{c}/vars/cluster-vars.yaml"] = VARS.format(c=c)
    if own_layer:  # prod's own overlay of api, with its own tag
        files["clusters/prod/api.yaml"] = small_repos.flux_kustomization("api-prod", "./overlays/prod/api")
        files["overlays/prod/api/kustomization.yaml"] = (
            "resources: [../../../apps/api/app]\nimages:\n- name: ghcr.io/acme/api\n  newTag: 1.9.0\n"
        )
    return files


def test_the_chart_sources_below_a_synced_folder_are_read_where_each_cluster_lists_its_apps(
    tmp_path: Path,
) -> None:
    # angelnu/k8s-gitops: each cluster's environment lists ./apps (no kustomization: Flux builds
    # every file below it) and the apps' own paths below it; apps/flux-system/repositories holds
    # the HelmRepositories. Read as 'its own files only' (another environment's paths are below
    # it), the plan said of every chart init had found 'none of the 158 files test renders pins
    # chart app-template' (newcomer20 O4)
    root = write(tmp_path, _fleet(own_layer=True))
    (root / "gitops-bot.yaml").write_text(config_text(discover(root)))
    app = open_app(root)
    (chart,) = app.chart_targets(app.config.environment("test"))
    assert (chart.version, chart.unpinned) == ("5.1.0", ""), chart
