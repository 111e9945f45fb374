"""The update example with Helm charts, for the chart tests: a classic chart repository built by
the real ``helm repo index`` (served on loopback), an OCI chart pushed by the real ``helm push``
to the registry process, a kustomization's ``helmCharts``, a k3s ``HelmChart``, an Argo CD
Application and a ``Chart.yaml`` dependency with its ``Chart.lock`` (locked by the real ``helm``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

from testkit import helm_charts
from testkit.chart_repo import ChartRepo
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git

CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/{ns}/app
    range: "^1"
charts:
  - name: podinfo
    repository: {classic}
    range: "^1"
  - name: sourced
    repository: oci://{host}/{ns}-charts
environments:
  - name: staging
    paths: [overlays/staging, apps/staging]
  - name: dev
    paths: [overlays/dev, apps/dev]
    promote_from: staging
    write: commit
github:
  repository: acme/gitops
  api_url: {api}
  write_interval: 0
"""

HELM_CHARTS = """helmCharts:
  - name: podinfo
    repo: {classic}
    version: 1.0.0 # pinned by gitops-bot
    releaseName: podinfo
"""

APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: sourced
spec:
  project: default
  source:
    repoURL: {host}/{ns}-charts
    chart: sourced
    targetRevision: "0.1.0"
  destination:
    server: https://kubernetes.default.svc
    namespace: sourced
"""

# k3s's helm-controller installs a HelmChart: the same chart pinned a third way (radamhu/argocd's form)
K3S = """apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata:
  name: podinfo
  namespace: kube-system
spec:
  chart: podinfo
  repo: {classic}
  version: 1.0.0
  targetNamespace: web
"""

UMBRELLA = """apiVersion: v2
name: umbrella
version: 0.1.0
dependencies:
  - name: podinfo
    version: 1.0.0
    repository: {classic}
"""


def charted_world(
    world: World, registry: RegistryProcess, tmp_path: Path
) -> Iterator[tuple[World, ChartRepo, Path]]:
    """The update example with charts: podinfo 1.0.0, 1.2.1 and 2.0.0 in a classic repository,
    sourced 0.1.0 and 0.2.0 in the registry; staging pins podinfo 1.0.0 in its kustomization and
    its umbrella chart (locked by the real ``helm dependency update``), and sourced 0.1.0 in an
    Argo CD Application. Yields the world, the chart repository and a clone of main."""
    with ChartRepo(prefix="/charts") as repo:
        served = helm_charts.repository(
            tmp_path / "helm-classic", "podinfo", ["1.0.0", "1.2.1", "2.0.0"], repo.url
        )
        repo.index = served.pop("/charts/index.yaml")
        repo.files = served
        helm_charts.push(
            tmp_path / "helm-oci", "sourced", ["0.1.0", "0.2.0"], registry.host, f"{world.ns}-charts"
        )
        work = tmp_path / "work"
        subprocess.run(["git", "clone", "-q", str(world.remote), str(work)], check=True)
        values = {"host": registry.host, "ns": world.ns, "classic": repo.url, "api": world.github.url}
        (work / "gitops-bot.yaml").write_text(CONFIG.format(**values))
        staging = work / "overlays/staging/kustomization.yaml"
        staging.write_text(
            staging.read_text().replace("  - ../../base\n", "  - ../../base\n  - podinfo-k3s.yaml\n")
            + HELM_CHARTS.format(**values)
        )
        (work / "overlays/staging/podinfo-k3s.yaml").write_text(K3S.format(**values))
        apps = work / "apps/staging"
        apps.mkdir(parents=True)
        (apps / "application.yaml").write_text(APPLICATION.format(**values))
        (apps / "Chart.yaml").write_text(UMBRELLA.format(**values))
        (work / "apps/dev").mkdir()
        (work / "apps/dev/application.yaml").write_text(APPLICATION.format(**values))
        helm_charts.run(["dependency", "update", str(apps)], tmp_path / "helm-lock")
        subprocess.run(["rm", "-rf", str(apps / "charts")], check=True)
        git(work, "add", "-A")
        git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "charts")
        git(work, "push", "-q", "origin", "main")
        yield world, repo, work
