"""Two of init's lines that dropped what they stood for: a chart source written in flow style
(``{apiVersion: ..., kind: "OCIRepository", ...}``, d4rkfella/home-ops' every manifest) named its
kind at no line's start, so the cheap test before parsing skipped it and no chart version was
read (32 once rewritten in block style); and the count of directories past the ten said named
four and dropped the rest without an "and N more"."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: {name}
          image: {image}
"""


# mrpbennett/home-ops kubernetes/clusters/portland/apps/*: 16 directories of plain manifests no
# environment renders; after the ten said one by one, init writes "6 more directories of workload
# manifests no environment renders: …/homepage, …/kubevirt, …/metallb-system, …/minecraft-server"
# and stops: pgadmin and tailscale (2 images) are in the count and named nowhere
def test_every_directory_past_the_ten_said_is_named_or_counted_as_left_out(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources: [./deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT.format(name="web", image="ghcr.io/acme/web:1.0.0"),
        "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
    }
    folders = [f"apps/app{n:02}" for n in range(16)]
    for n, folder in enumerate(folders):
        files[f"{folder}/deployment.yaml"] = DEPLOYMENT.format(
            name=f"app{n:02}", image=f"ghcr.io/acme/app{n:02}:1.0.{n}"
        )
    found = discover(write(tmp_path, files))
    notes = "\n".join(found.notes)
    unnamed = [f for f in folders if f not in notes]
    assert not unnamed or f"and {len(unnamed)} more" in notes, (unnamed, notes)


# d4rkfella/home-ops kubernetes/apps/media/bazarr/manifests/ocirepository.yaml:16 (and 26 more):
# every manifest is YAML in flow style (`{apiVersion: "…", kind: "OCIRepository", spec: {ref: {tag:
# "5.1.0"}}}`); init reads the HelmReleases' images but no chart version (32 once the same files
# are rewritten in block style)
FLOW_OCIREPOSITORY = """---
# yaml-language-server: $schema=https://kubernetes-schemas-9iu.pages.dev/source.toolkit.fluxcd.io/ocirepository_v1.json
{
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "OCIRepository",
  metadata: {
    name: "bazarr",
  },
  spec: {
    interval: "15m",
    layerSelector: {
      mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
      operation: "copy",
    },
    ref: {
      tag: "5.1.0",
    },
    url: "oci://ghcr.io/bjw-s-labs/helm/app-template",
  },
}
"""
FLOW_HELMRELEASE = """---
{
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: {
    name: "bazarr",
  },
  spec: {
    interval: "1h",
    chartRef: {
      kind: "OCIRepository",
      name: "bazarr",
    },
    values: {
      controllers: {
        bazarr: {
          containers: {
            app: {
              image: {
                repository: "ghcr.io/home-operations/bazarr",
                tag: "1.5.3",
              },
            },
          },
        },
      },
    },
  },
}
"""


def test_a_chart_source_written_in_flow_style_is_read(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./bazarr/ks.yaml]\n",
            "kubernetes/apps/bazarr/ks.yaml": small_repos.flux_kustomization(
                "bazarr", "./kubernetes/apps/bazarr/manifests"
            ),
            "kubernetes/apps/bazarr/manifests/kustomization.yaml": "resources: [./ocirepository.yaml, ./helmrelease.yaml]\n",
            "kubernetes/apps/bazarr/manifests/ocirepository.yaml": FLOW_OCIREPOSITORY,
            "kubernetes/apps/bazarr/manifests/helmrelease.yaml": FLOW_HELMRELEASE,
        },
    )
    found = discover(root)
    assert "ghcr.io/home-operations/bazarr" in {i.name for i in found.images}, found.notes
    assert [c.name for c in found.charts] == ["app-template"], found.notes
