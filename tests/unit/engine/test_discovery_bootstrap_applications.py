"""An Argo CD Application kept in a ``bootstrap/`` folder beside Argo CD's install (barkardk/gitops-demo:
argocd/manifests/bootstrap/argocd/applications/nginx.yaml, which Terraform applies with install.yaml)
deploys what its path names, as any Application does; the folder marks what installs Argo CD, not what
the Application deploys. In a repository holding a Flux cluster too, a kustomization neither tool
deploys stays no environment (fluxcd/kustomize/middleware/ingress-nginx there)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write
from testkit.small_repos import application, deployment, flux_kustomization

_KUSTOMIZATION = "resources: [deployment.yaml]\n"


def test_an_application_kept_under_bootstrap_deploys_its_kustomize_directory(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                "clusters/sandbox/apps.yaml": flux_kustomization("web", "./flux/web"),
                "flux/web/kustomization.yaml": _KUSTOMIZATION,
                "flux/web/deployment.yaml": deployment("web", "redis:7.2.4"),
                "flux/middleware/ingress/kustomization.yaml": _KUSTOMIZATION,
                "flux/middleware/ingress/deployment.yaml": deployment(
                    "ingress", "ghcr.io/acme/ingress:1.0.0"
                ),
                "argocd/bootstrap/nginx.yaml": application("nginx", "argocd/apps/nginx"),
                "argocd/apps/nginx/kustomization.yaml": _KUSTOMIZATION,
                "argocd/apps/nginx/deployment.yaml": deployment("nginx", "nginx:1.27.3"),
            },
        )
    )
    paths = {e.name: e.paths for e in found.environments}
    assert paths == {"sandbox": ("flux/web",), "in-cluster": ("argocd/bootstrap/nginx.yaml",)}, found.notes
    assert "nginx" in {i.name for i in found.images}, found.notes
    assert any(n.startswith("flux/middleware/ingress: ") for n in found.notes), found.notes


# Viva-con-Agua/argocd-apps basic-cluster/argocd-apps.yml: the root Application renders `path: ./` of
# this repository (its root: every Application file in it). init says "Argo CD Application argocd-apps
# renders path ./ of https://github.com/Viva-con-Agua/argocd-apps.git, which this repository does not
# hold (moved or deleted?): fix the path or remove the Application" — `./` is the root, which it holds;
# with `path: .` nothing is said. A person told to fix a right path is misled.
def test_an_application_s_path_dot_slash_is_the_repository_s_root(tmp_path: Path) -> None:
    url = "https://github.com/Viva-con-Agua/argocd-apps.git"
    root = write(
        tmp_path,
        {
            "basic-cluster/argocd-apps.yml": small_repos.application(
                "argocd-apps", "./", repo_url=url, namespace="argocd"
            ),
            "basic-cluster/web.yml": small_repos.application("web", "apps/web", repo_url=url),
            "apps/web/deployment.yaml": small_repos.deployment("web", "nginx:1.27.0"),
        },
    )
    found = discover(root, origin=url)
    assert not any("does not hold" in n for n in found.notes), found.notes
