"""Folders a test word names are a project's tests, not environments: int128/argocd-commenter's
``e2e_test/controller`` (an overlay over config/default the e2e job deploys on a throwaway
cluster), crumbhole/argocd-lovely-plugin's ``test_errors/bad_merge``, plumber-cd/argocd-autoscaler's
``config/e2e/default``; an ``e2e`` overlay beside ``dev`` and ``prod`` is the e2e stage. And the
kubebuilder scaffold's ``controller:latest``, which ``kustomize edit set image controller=${IMG}``
replaces before every build, is a placeholder, said: configured, a release would follow
Docker Hub's ``library/controller``."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write


def _deploy(image: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: controller-manager}\n"
        f"spec: {{template: {{spec: {{containers: [{{name: manager, image: '{image}'}}]}}}}}}\n"
    )


def test_test_word_folders_and_a_scaffold_placeholder(tmp_path: Path) -> None:
    files = {
        # config/manager/manager.yaml:64 `image: controller:latest`
        "config/manager/manager.yaml": _deploy("controller:latest"),
        "config/manager/kustomization.yaml": "resources:\n- manager.yaml\n",
        "config/default/kustomization.yaml": "resources:\n- ../manager\n",
        "e2e_test/controller/kustomization.yaml": "resources:\n- ../../config/default\n",
        "test_errors/bad_merge/deploy.yaml": _deploy("nginx:1.16.0"),
        "config/e2e/default/kustomization.yaml": "resources:\n- ../../default\n",
        # Makefile:146
        "Makefile": "deploy:\n\tcd config/manager && $(KUSTOMIZE) edit set image controller=${IMG}\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("config/default",))]
    assert found.images == ()
    assert [n for n in found.notes if n.startswith("controller:")] == [
        "controller: a placeholder Makefile:2 replaces ($(KUSTOMIZE) edit set image controller=${IMG}) "
        "before the manifests are built: not configured; the image released is the one that command names"
    ]
    assert not [n for n in found.notes if "test_errors" in n or "e2e" in n], found.notes


def test_an_e2e_overlay_beside_the_stages_is_one(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": _deploy("ghcr.io/acme/app:1.0.0"),
        # a tag given without a new name is no placeholder: the name stays what runs
        "Makefile": "pin:\n\tcd overlays/dev && kustomize edit set image ghcr.io/acme/app=ghcr.io/acme/app:1.2.0\n",
        **{
            f"overlays/{s}/kustomization.yaml": f"resources: [../../base]\nimages: [{{name: ghcr.io/acme/app, newTag: {t}}}]\n"
            for s, t in (("dev", "1.2.0"), ("e2e", "1.1.0"), ("prod", "1.0.0"))
        },
    }
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["dev", "e2e", "prod"]
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
