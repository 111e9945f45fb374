"""Every pin init finds is an environment's or said on a ``not read:`` line: workloads nothing
renders, deploy commands of scripts, placeholders, read from public repositories' shapes."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

BASE = {
    "app/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "app/base/deployment.yaml": deployment("web", "nginx:1.25.3"),
    "app/overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
}


def test_a_kustomization_nothing_includes_under_base_says_its_images(tmp_path: Path) -> None:
    """A base applied by hand (cert-manager's install/base, davidfox87/crossplane-eks-argocd-mlops)
    is no environment: its images are said; a base an overlay includes is not."""
    files = {
        **BASE,
        "tools/cm/install/base/kustomization.yaml": "resources:\n- cm.yaml\n",
        "tools/cm/install/base/cm.yaml": deployment("cm", "quay.io/jetstack/cert-manager-controller:v1.10.0"),
    }
    found = discover(write(tmp_path, files))
    said = [
        n
        for n in found.notes
        if n.startswith("tools/cm/install/base: a Kustomize directory nothing includes")
    ]
    assert len(said) == 1 and "cert-manager-controller:v1.10.0 (tools/cm/install/base/cm.yaml:" in said[0], (
        found.notes
    )
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)]
    assert not [n for n in found.notes if n.startswith("app/base")], found.notes
