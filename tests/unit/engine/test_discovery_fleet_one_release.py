"""A Flux fleet whose clusters sync one folder, none with a layer of its own (angelnu/k8s-gitops:
clusters/test and clusters/prod both build ./apps): every line is one both clusters render, so a
release for one cluster alone would edit the other's and was never made — every image and chart
'skip (error): … which prod renders too' in both, for ever. init makes them one environment,
released for both at once, and says how to release them apart; clusters with a layer of their
own stay apart."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
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


def test_clusters_rendering_only_lines_they_all_render_are_one_environment(tmp_path: Path) -> None:
    root = write(tmp_path, _fleet())
    found = discover(root)
    assert [e.name for e in found.environments] == ["test-prod"], [
        (e.name, e.paths) for e in found.environments
    ]
    (env,) = found.environments
    assert env.promote_from is None
    assert {"clusters/test/vars", "clusters/prod/vars"} <= set(env.paths), env.paths
    assert env.cluster.startswith("one environment for test, prod: every line any of them renders"), env
    assert {i.name: i.environments for i in found.images} == {
        "ghcr.io/acme/web": ("test-prod",),
        "ghcr.io/acme/api": ("test-prod",),
    }
    assert [(c.name, c.environments) for c in found.charts] == [("app-template", ("test-prod",))]
    # the plan under init's config pins each line, released for both clusters at once, where
    # each cluster's own environment said 'which prod renders too' and released nothing
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    reading = app.readings()["test-prod"]
    assert {ir.image: ir.status for ir in reading.images} == {
        "ghcr.io/acme/web": PinStatus.PINNED,
        "ghcr.io/acme/api": PinStatus.PINNED,
    }
    (chart,) = app.chart_targets(app.config.environment("test-prod"))
    assert (chart.version, chart.shared_with) == ("5.1.0", ()), chart


def test_a_cluster_with_a_layer_of_its_own_stays_apart(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _fleet(own_layer=True)))
    assert sorted(e.name for e in found.environments) == ["prod", "test"], [
        (e.name, e.paths) for e in found.environments
    ]


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
