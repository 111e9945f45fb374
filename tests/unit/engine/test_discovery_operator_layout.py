"""A kubebuilder or operator-sdk layout: ``config/manifests`` includes ``config/default`` (what
``make deploy`` applies) beside the ClusterServiceVersion base ``make bundle`` builds an OLM
bundle from. Nothing includes config/manifests, so init took it as the one environment
(anandf/argocd-operator, and fluxninja/aperture's operator/config/manifests alike); a
kustomization holding a ClusterServiceVersion among its own resources is a bundle's input, said
so, and what it includes is the environment."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

MANAGER = """apiVersion: apps/v1
kind: Deployment
metadata: {name: controller-manager, namespace: system}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: controller:latest
"""

CSV = """apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata: {name: acme-operator.v0.0.0}
spec:
  displayName: Acme
  install: {spec: {deployments: null}, strategy: ""}
"""


def test_the_bundle_input_is_no_environment_and_what_make_deploy_applies_is(tmp_path: Path) -> None:
    files = {
        "PROJECT": "layout:\n- go.kubebuilder.io/v4\nprojectName: acme-operator\n",
        "config/manager/kustomization.yaml": (
            "resources: [manager.yaml]\nimages:\n- name: controller\n"
            "  newName: quay.io/acme/acme-operator\n  newTag: v0.17.0\n"
        ),
        "config/manager/manager.yaml": MANAGER,
        "config/default/kustomization.yaml": "namespace: acme-system\nresources: [../manager]\n",
        "config/samples/kustomization.yaml": "resources: []\n",
        "config/manifests/kustomization.yaml": (
            "resources:\n- bases/acme-operator.clusterserviceversion.yaml\n- ../default\n- ../samples\n"
        ),
        "config/manifests/bases/acme-operator.clusterserviceversion.yaml": CSV,
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("config/default",))]
    assert [i.name for i in found.images] == ["controller"]
    said = [n for n in found.notes if n.startswith("config/manifests: a bundle's input")]
    assert said and "config/manifests/bases/acme-operator.clusterserviceversion.yaml" in said[0], found.notes


def test_a_bundle_input_whose_base_is_generated_is_no_environment_either(tmp_path: Path) -> None:
    """fluxninja/aperture keeps no bases/*.clusterserviceversion.yaml (make bundle generates it,
    git ignores it): its name in the resources says the same."""
    files = {
        "operator/config/manager/kustomization.yaml": "resources: [manager.yaml]\n",
        "operator/config/manager/manager.yaml": MANAGER.replace("controller:latest", "ghcr.io/acme/op:1.0.0"),
        "operator/config/default/kustomization.yaml": "resources: [../manager]\n",
        "operator/config/manifests/kustomization.yaml": (
            "resources:\n- bases/acme-operator.clusterserviceversion.yaml\n- ../default\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [e.paths for e in found.environments] == [("operator/config/default",)]


def test_a_bundle_input_of_default_samples_and_scorecard_is_no_environment(tmp_path: Path) -> None:
    """argoproj-labs/argocd-image-updater@de2cfec6 keeps no CSV base at all: its config/manifests
    lists ../default, ../samples and ../scorecard, operator-sdk's scaffold, and was taken as the
    environment (rendering the samples and the scorecard too) where make deploy and the
    install.yaml users apply build config/default."""
    files = {
        "config/manager/kustomization.yaml": "resources: [manager.yaml]\n",
        "config/manager/manager.yaml": MANAGER.replace("controller:latest", "quay.io/acme/updater:latest"),
        "config/default/kustomization.yaml": "resources: [../manager]\n",
        "config/samples/kustomization.yaml": "resources: []\n",
        "config/scorecard/kustomization.yaml": "resources: []\n",
        "config/manifests/kustomization.yaml": "resources:\n- ../default\n- ../samples\n- ../scorecard\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("config/default",))]
    (said,) = [n for n in found.notes if n.startswith("config/manifests: a bundle's input")]
    assert "../default with ../samples and ../scorecard" in said, said
