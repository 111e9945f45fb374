"""A chart pinned at many sites of one environment, one of them in a unit kustomize refuses
(auricom/home-ops): that site stays as it is, said with its unit's refusal; the chart is
released at the others, never skipped for the whole environment."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from testkit import small_repos
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
            "kubernetes/components/common/ocirepository.yaml": component,
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
    # the site the refused unit reads is not among the places the release edits
    assert not [a for a in target.also if a.startswith("kubernetes/components/")], target.also
