"""An overlay a script applies only to a cluster it has just made for the run is a test cluster,
not an environment: argoproj-labs/terraform-provider-argocd's GNUmakefile target
``testacc_prepare_env`` (its acceptance tests' matrix) runs ``kind create cluster``, then
``kustomize build manifests/overlays/${ARGOCD_VERSION} | kubectl apply``; init offered each
Argo CD version's overlay as an environment whose release would move the test git server. A
make target below the one making the cluster deploys otherwise, and so does another script
applying the same overlay."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: git}\n"
    "spec: {template: {spec: {containers: [{name: git, image: 'alpine:3'}]}}}\n"
)
# GNUmakefile:33-49, as written there (shortened)
MAKE = """\
testacc_prepare_env:
\techo "\\n--- Create Kind cluster\\n"
\tkind create cluster --config kind-config.yml

\techo "\\n--- Install ArgoCD ${ARGOCD_VERSION}\\n"
\tkustomize build manifests/overlays/${ARGOCD_VERSION} | kubectl apply --server-side --force-conflicts -f -

deploy:
\tkubectl apply -k deploy/prod
"""


def _files(*, also: dict[str, str]) -> dict[str, str]:
    return {
        "manifests/install/kustomization.yaml": "resources: [git.yaml]\n",
        "manifests/install/git.yaml": DEPLOY,
        **{
            f"manifests/overlays/{v}/kustomization.yaml": "resources: [../../install]\n"
            for v in ("v3.2.12", "v3.3.12")
        },
        "deploy/prod/kustomization.yaml": "resources: [../../manifests/install]\n",
        "GNUmakefile": MAKE,
        **also,
    }


def test_overlays_applied_to_a_cluster_made_for_the_run_are_no_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(also={})))
    assert [(e.name, e.paths) for e in found.environments] == [("prod", ("deploy/prod",))]
    said = [n for n in found.notes if n.startswith("manifests/overlays/")]
    assert said == [
        f"manifests/overlays/{v}: applied by GNUmakefile:6 (kustomize build manifests/overlays/"
        "${ARGOCD_VERSION} | kubectl apply) to a cluster made for the run (kind create cluster at "
        "GNUmakefile:3): a test cluster, not an environment to release"
        for v in ("v3.2.12", "v3.3.12")
    ]


def test_an_overlay_another_script_applies_stays_an_environment(tmp_path: Path) -> None:
    found = discover(
        write(tmp_path, _files(also={"release.sh": "kubectl apply -k manifests/overlays/v3.3.12\n"}))
    )
    assert sorted(p for e in found.environments for p in e.paths) == [
        "deploy/prod",
        "manifests/overlays/v3.3.12",
    ]
