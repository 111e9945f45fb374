"""A k3s ``HelmChart`` (helm.cattle.io/v1, what k3s's helm-controller installs: the usual
homelab distribution's way to deploy a chart) pins its chart's version in ``spec.version``:
init finds the chart, and the edit moves that one scalar (radamhu/argocd@ca1e175d
app/k3s-system/argocd/install.yaml: it was silent, no entry and no line)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import charts
from testkit.local_git import write
from testkit.small_repos import deployment

K3S = """\
apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata:
  name: argocd
  namespace: kube-system
spec:
  chart: argo-cd
  repo: https://argoproj.github.io/argo-helm
  targetNamespace: argocd
  version: 9.4.10
  valuesContent: |-
    dex:
      enabled: false
"""


def test_init_finds_a_k3s_helmcharts_version(tmp_path: Path) -> None:
    files = {
        "cluster/kustomization.yaml": "resources: [deploy.yaml, argocd/install.yaml]\n",
        "cluster/deploy.yaml": deployment("web", "nginx:1.25.3"),
        "cluster/argocd/install.yaml": K3S,
    }
    found = discover(write(tmp_path, files))
    assert [(c.name, c.repository) for c in found.charts] == [
        ("argo-cd", "https://argoproj.github.io/argo-helm")
    ], found.notes


def test_a_release_moves_spec_version_alone() -> None:
    spec = charts.ChartSpec("argo-cd", "https://argoproj.github.io/argo-helm")
    (site,) = charts.read(K3S, "install.yaml", [spec])
    assert (site.version, site.line, site.form) == ("9.4.10", 10, "k3s-helmchart")
    assert charts.write(K3S, "install.yaml", {spec: "9.5.0"}) == K3S.replace("9.4.10", "9.5.0")


def test_an_overlay_pinning_only_a_k3s_chart_stays_an_environment(tmp_path: Path) -> None:
    """As an overlay whose helmCharts pin a chart: versions to release although it renders
    none of the images found (it was dropped, and its chart said as rendered by nothing)."""
    files = {
        "base/web/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/web/deploy.yaml": deployment("web", "nginx:1.25.3"),
        "overlays/web/kustomization.yaml": "resources: [../../base/web]\n",
        "base/cd/kustomization.yaml": "resources: [install.yaml]\n",
        "base/cd/install.yaml": K3S,
        "overlays/cd/kustomization.yaml": "resources: [../../base/cd]\n",
    }
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["cd", "web"], found.notes
    assert [(c.name, c.environments) for c in found.charts] == [("argo-cd", ("cd",))]
    assert not [n for n in found.notes if "k3s" in n], found.notes
