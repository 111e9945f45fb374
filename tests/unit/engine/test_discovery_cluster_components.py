"""Per-cluster overlays of components, ``overlays/<cluster>/<component>``, some over a base and
some holding their own ``helmCharts`` and workloads with no base. Shaped as
kronenz/prometheua-HA-kustomize@f365fe21 (deploy/overlays/cluster-0N-*/{longhorn,
kube-prometheus-stack}, each built by its script with ``kustomize build --enable-helm``): the
component with no base was neither an environment nor a not-read line (kube-prometheus-stack
78.2.1 and thanos silent on every cluster), and the environments were named by component
(``longhorn`` over four clusters) where each cluster is one."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

CHART = """\
helmCharts:
- name: %s
  repo: https://charts.example.com
  version: %s
  releaseName: %s
"""


def _files() -> dict[str, str]:
    files = {
        "deploy/base/longhorn/kustomization.yaml": CHART % ("longhorn", "1.7.2", "longhorn"),
    }
    for cluster in ("cluster-01-central", "cluster-02-edge"):
        here = f"deploy/overlays/{cluster}"
        files[f"{here}/longhorn/kustomization.yaml"] = "resources: [../../../base/longhorn]\n"
        files[f"{here}/kube-prometheus-stack/kustomization.yaml"] = (
            "resources: [thanos-query.yaml]\n"
            + CHART
            % (
                "kube-prometheus-stack",
                "78.2.1",
                "kube-prometheus-stack",
            )
        )
        files[f"{here}/kube-prometheus-stack/thanos-query.yaml"] = deployment(
            "thanos-query", "quay.io/thanos/thanos:v0.37.2"
        )
    return files


def test_each_cluster_is_an_environment_with_its_components_without_a_base_too(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    assert [(e.name, e.paths) for e in found.environments] == [
        (
            cluster,
            (f"deploy/overlays/{cluster}/longhorn", f"deploy/overlays/{cluster}/kube-prometheus-stack"),
        )
        for cluster in ("cluster-01-central", "cluster-02-edge")
    ]
    assert [(i.name, i.environments) for i in found.images] == [
        ("quay.io/thanos/thanos", ("cluster-01-central", "cluster-02-edge"))
    ]
    assert sorted(c.name for c in found.charts) == ["kube-prometheus-stack", "longhorn"]
