"""An ApplicationSet over this repository's directories applied by hand beside Applications of
published charts (one kustomization applying both to one cluster): its directories are that
environment's too, never each "a Kustomize directory nothing includes"."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: bazarr}
spec:
  template:
    spec:
      containers:
        - name: app
          image: lscr.io/linuxserver/bazarr:1.6.0
"""


# sholdee/home-ops apps/argocd/manifests/{app-set.yaml,apps.yaml} (and swibrow/home-ops
# kubernetes/argocd/): an ApplicationSet over `apps/*` beside Applications of published charts, both
# applied by hand to one cluster. Alone, the ApplicationSet gives `in-cluster` with its directories;
# with the Applications beside it, in-cluster is the Applications' file only, the ApplicationSet is
# "not read", and each app directory is "a Kustomize directory nothing includes" (sholdee: 20
# environments, one per app; swibrow: 41)
APPSET_APPS = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: k3s-apps, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/acme/home-ops
        revision: main
        directories:
          - path: "apps/*"
  template:
    metadata: {name: "{{.path.basename}}"}
    spec:
      project: k3s
      source: {repoURL: https://github.com/acme/home-ops, targetRevision: main, path: "{{.path.path}}"}
      destination: {name: in-cluster, namespace: "{{.path.basename}}"}
"""
CHART_APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cilium, namespace: argocd}
spec:
  project: k3s
  source: {repoURL: https://helm.cilium.io, chart: cilium, targetRevision: 1.20.1}
  destination: {name: in-cluster, namespace: kube-system}
"""


def _workload(name: str, image: str) -> str:
    return DEPLOYMENT.replace("lscr.io/linuxserver/bazarr:1.6.0", image).replace("bazarr", name)


def test_an_applicationset_beside_chart_applications_still_deploys_its_directories(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "apps/argocd/kustomization.yaml": "resources: [./manifests/app-set.yaml, ./manifests/apps.yaml]\n",
            "apps/argocd/manifests/app-set.yaml": APPSET_APPS,
            "apps/argocd/manifests/apps.yaml": CHART_APPLICATION,
            "apps/adguard/kustomization.yaml": "resources: [./manifests/deployment.yaml]\n",
            "apps/adguard/manifests/deployment.yaml": _workload("adguard", "adguard/adguardhome:v0.107.0"),
            "apps/mealie/kustomization.yaml": "resources: [./manifests/deployment.yaml]\n",
            "apps/mealie/manifests/deployment.yaml": _workload(
                "mealie", "ghcr.io/mealie-recipes/mealie:v3.0.0"
            ),
        },
    )
    found = discover(root, origin="https://github.com/acme/home-ops")
    assert [e.name for e in found.environments] == ["in-cluster"], found.notes
    assert sorted(i.name for i in found.images) == ["adguard/adguardhome", "ghcr.io/mealie-recipes/mealie"], (
        found.notes
    )


def test_its_directories_that_build_on_a_component_are_no_environments_of_their_own(tmp_path: Path) -> None:
    # sholdee/home-ops: each app directory builds on components/namespace, which made it a
    # "Kustomize overlay" and an environment of its own beside in-cluster (20 environments)
    root = write(
        tmp_path,
        {
            "apps/argocd/kustomization.yaml": "resources: [./manifests/app-set.yaml, ./manifests/apps.yaml]\n",
            "apps/argocd/manifests/app-set.yaml": APPSET_APPS,
            "apps/argocd/manifests/apps.yaml": CHART_APPLICATION,
            "components/namespace/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [namespace.yaml]\n"
            ),
            "components/namespace/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
            "apps/adguard/kustomization.yaml": (
                "resources: [./manifests/deployment.yaml]\ncomponents: [../../components/namespace]\n"
            ),
            "apps/adguard/manifests/deployment.yaml": _workload("adguard", "adguard/adguardhome:v0.107.0"),
            "apps/mealie/kustomization.yaml": (
                "resources: [./manifests/deployment.yaml]\ncomponents: [../../components/namespace]\n"
            ),
            "apps/mealie/manifests/deployment.yaml": _workload(
                "mealie", "ghcr.io/mealie-recipes/mealie:v3.0.0"
            ),
        },
    )
    found = discover(root, origin="https://github.com/acme/home-ops")
    assert [e.name for e in found.environments] == ["in-cluster"], [
        (e.name, e.paths) for e in found.environments
    ]
    assert sorted(i.name for i in found.images) == ["adguard/adguardhome", "ghcr.io/mealie-recipes/mealie"]
