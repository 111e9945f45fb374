"""A repository that installs Argo CD (a kustomization over the upstream release's install.yaml)
and keeps, under ``argocd/bootstrap/``, the root Applications Terraform applies over another
repository (KittyChen913/gitops-demo-argocd: ``root-application-dev.yaml`` over
``https://github.com/KittyChen913/gitops-demo-apps.git``). init stopped with "run init where the
workloads are pinned (the branch or repository a line above names, if one does)" and named no
repository: a bootstrap folder's Applications were read by nothing, though they are exactly what
says where the workloads are."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed

_ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: root-application-{env}, namespace: argocd}}
spec:
  project: default
  destination: {{server: https://kubernetes.default.svc, namespace: argocd}}
  source:
    repoURL: https://github.com/acme/gitops-demo-apps.git
    targetRevision: master
    path: argocd/applicationsets
    directory: {{include: gitops-demo-{env}.yaml}}
"""
_INSTALL = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: argocd
resources:
  - https://raw.githubusercontent.com/argoproj/argo-cd/v3.3.9/manifests/install.yaml
patches:
  - path: patches/argocd-server.yaml
    target: {kind: Deployment, name: argocd-server}
"""
_PATCH = """apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-server}
spec:
  template:
    spec:
      containers:
        - name: argocd-server
          resources: {limits: {cpu: 500m}}
"""


def _repo(tmp_path: Path) -> Path:
    files = {
        "argocd/bootstrap/ateam/root-application-dev.yaml": _ROOT.format(env="dev"),
        "argocd/bootstrap/ateam/root-application-prod.yaml": _ROOT.format(env="prod"),
        "argocd/install/kustomization.yaml": _INSTALL,
        "argocd/install/patches/argocd-server.yaml": _PATCH,
    }
    return committed(tmp_path / "repo", files)


def test_root_applications_under_bootstrap_name_the_repository_they_deploy(tmp_path: Path) -> None:
    result = cli.execute(["init", "--repo", str(_repo(tmp_path))])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert (
        "2 Argo CD Applications render https://github.com/acme/gitops-demo-apps.git, not this "
        "repository: run init in that repository" in line
    ), line


def test_a_remote_base_at_a_release_is_upgraded_in_its_url(tmp_path: Path) -> None:
    """The remote install.yaml is Argo CD's release v3.3.9: "vendor it into the repository to
    have it read" sent the person to copy 1.4 MB of generated manifests, whose images the bot
    would then release one by one, apart from the release that pins them together."""
    result = cli.execute(["init", "--repo", str(_repo(tmp_path))])
    line = result.body.line  # type: ignore[union-attr]
    assert "install.yaml: a remote resource of default at its release v3.3.9: not read" in line, line
    assert "change v3.3.9 in the URL by hand to upgrade what it installs" in line, line
    assert "vendor it" not in line, line
    assert "a line above" not in line, line  # the one line says it all: nothing is above it


def test_a_remote_base_at_a_branch_is_still_to_vendor(tmp_path: Path) -> None:
    base = _INSTALL.replace(
        "https://raw.githubusercontent.com/argoproj/argo-cd/v3.3.9/manifests/install.yaml",
        "https://raw.githubusercontent.com/acme/platform/main/deploy/install.yaml",
    )
    repo = _repo(tmp_path)
    (repo / "argocd/install/kustomization.yaml").write_text(base)
    result = cli.execute(["init", "--repo", str(repo)])
    line = result.body.line  # type: ignore[union-attr]
    assert "vendor it into the repository to have it read" in line, line
    assert "at its release" not in line, line
