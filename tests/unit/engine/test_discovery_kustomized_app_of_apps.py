"""An app of apps whose path is a kustomization of Applications is read as kustomize builds it,
as Argo CD does: an Application file beside it that no resource lists (``disabled/``, one never
added) deploys nothing, the revision its ``replacements`` copy from a ConfigMap into every
Application is theirs, and kustomize's refusal of the directory is said with the file.
Shaped as ADORSYS-GIS/fineract-gitops@50dbfe88 argocd/applications/dev (30 Applications,
argocd-config.yaml's data.targetRevision copied into each, a resource the repository lacks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from gitops_bot.engine.discovery import discover
from testkit.local_git import committed, write
from testkit.small_repos import deployment

ROOT_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: fineract-dev-app-of-apps, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fineract-gitops
    targetRevision: HEAD
    path: argocd/applications/dev
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""

CHILD = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %(name)s, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fineract-gitops
    targetRevision: %(revision)s
    path: apps/%(name)s/base
  destination: {server: https://kubernetes.default.svc, namespace: fineract-dev}
"""

CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-app-config}
data:
  repoURL: https://github.com/acme/fineract-gitops
  targetRevision: HEAD
"""

KUSTOMIZATION = """\
resources:
- argocd-config.yaml
- web.yaml
- redis.yaml
%(more)s
replacements:
- source:
    kind: ConfigMap
    name: argocd-app-config
    fieldPath: data.targetRevision
  targets:
  - select:
      kind: Application
    fieldPaths:
    - spec.source.targetRevision
"""


def _files(more: str = "") -> dict[str, str]:
    apps = {
        "web": ("develop", "ghcr.io/acme/web:1.2.0"),
        "redis": ("develop", "redis:7.2.4"),
        "logging": ("deploy-key", "grafana/loki:2.9.0"),
    }
    files = {
        "argocd/bootstrap/dev/app-of-apps.yaml": ROOT_APP,
        "argocd/applications/dev/kustomization.yaml": KUSTOMIZATION % {"more": more},
        "argocd/applications/dev/argocd-config.yaml": CONFIG,
        "argocd/applications/dev/web.yaml": CHILD % {"name": "web", "revision": "deploy-key"},
        "argocd/applications/dev/redis.yaml": CHILD % {"name": "redis", "revision": "develop"},
        # kept aside: no resource lists it, so Argo CD never applies it
        "argocd/applications/dev/disabled/logging.yaml": CHILD
        % {"name": "logging", "revision": "deploy-key"},
    }
    for name, (_, image) in apps.items():
        files[f"apps/{name}/base/kustomization.yaml"] = "resources:\n- deploy.yaml\n"
        files[f"apps/{name}/base/deploy.yaml"] = deployment(name, image, container="app")
    return files


def _repo(tmp_path: Path, more: str = "") -> Path:
    return write(tmp_path, _files(more))


def test_only_the_applications_the_kustomization_lists_are_the_environments_paths(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path), base="main", has_branch=lambda b: True)
    (dev,) = [e for e in found.environments if "argocd/applications/dev/web.yaml" in e.paths]
    assert dev.paths == ("argocd/applications/dev/redis.yaml", "argocd/applications/dev/web.yaml")
    assert "grafana/loki" not in {i.name for i in found.images}
    (said,) = [n for n in found.notes if n.startswith("argocd/applications/dev/disabled/logging.yaml")]
    assert "argocd/applications/dev/kustomization.yaml" in said and "lists it not" in said
    # the replacements write HEAD into every Application: no branch question, none but the checkout's
    assert not [q for q in found.questions if "branch" in q], found.questions
    assert dev.branch is None


def test_a_kustomization_kustomize_refuses_is_said_with_the_file(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path, "- customer-registration-service.yaml"))
    (said,) = [n for n in found.notes if "customer-registration-service.yaml" in n]
    assert said.startswith("argocd/applications/dev: Argo CD Application fineract-dev-app-of-apps"), said
    assert "kustomize refuses" in said and "none of its Applications" in said


def test_the_first_plan_reads_each_listed_application_from_the_revision_replacements_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as written, web tracks deploy-key and redis develop, neither the checkout: the plan
    found no pin of either (exit 2, "renders branch develop")."""
    root = committed(tmp_path, _files())
    assert cli.main(["init", "--repo", str(root)]) == 0
    plan = capsys.readouterr().out.split("The first plan under it:\n", 1)[1]
    assert "renders branch" not in plan, plan
    assert "ghcr.io/acme/web" in plan and "redis" in plan and "loki" not in plan, plan


def test_an_application_below_a_directory_another_application_renders_is_that_ones(tmp_path: Path) -> None:
    """team/ is no resource of the kustomization, but the listed team.yaml renders it: its
    Application is deployed, by that one."""
    files = _files("- team.yaml")
    files["argocd/applications/dev/team.yaml"] = CHILD.replace(
        "apps/%(name)s/base", "argocd/applications/dev/team"
    ) % {"name": "team", "revision": "HEAD"}
    files["argocd/applications/dev/team/logging.yaml"] = files.pop(
        "argocd/applications/dev/disabled/logging.yaml"
    )
    found = discover(write(tmp_path, files))
    assert not [n for n in found.notes if "team/logging.yaml" in n], found.notes
