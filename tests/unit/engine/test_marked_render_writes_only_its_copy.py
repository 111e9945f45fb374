"""The marked render writes its markers only in its private copy of the tree: a directory the
repository links to absolutely, inside itself (``deploy -> /home/me/repo/charts``, made with
``ln -s $PWD/charts deploy``), is copied as a link that leads back into the repository, and the
marker of a file under it was written through it: ``plan`` (read-only) left
``tag: gitops-bot-<secret>-0m`` in the user's values file or kustomization. Real helm and
kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import load
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit import broken_repos
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/web"
TEMPLATE = broken_repos.DEPLOYMENT.replace("{image}:1.0.0", "%s")  # a Deployment of one container
SHAPES = {
    "chart": (
        "deploy/app/values-prod.yaml",
        {
            "real/app/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "real/app/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.0.0\n",
            "real/app/values-prod.yaml": "image:\n  tag: 1.0.1\n",
            "real/app/templates/d.yaml": TEMPLATE
            % "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'",
        },
    ),
    "kustomization": (
        "deploy/app",
        {
            "real/app/kustomization.yaml": f"resources: [d.yaml]\nimages:\n- name: {IMAGE}\n  newTag: 1.0.1\n",
            "real/app/d.yaml": TEMPLATE % f"{IMAGE}:1.0.0",
        },
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_marker_is_written_through_a_link_into_the_repository(tmp_path: Path, shape: str) -> None:
    path, files = SHAPES[shape]
    root = tmp_path / "repo"
    config = (
        f"version: 1\nrender: {{kubectl: {kubectl()}, helm: {helm()}}}\nimages:\n  - name: {IMAGE}\n"
        "    policy: semver\n    helm: {repository: image.repository, tag: image.tag}\n"
        f"environments:\n  - name: prod\n    path: {path}\n"
    )
    write(root, {"gitops-bot.yaml": config, **files})
    (root / "deploy").symlink_to(root / "real")  # absolute, and inside the repository
    config_ = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config_.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config_.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root, render=config_.render).read(sources)
    assert rules["prod"].images[0].effective is not None, rules["prod"]
    proven.prove(config_, root, list(config_.environments), specs, rules)
    for rel, text in files.items():
        assert (root / rel).read_text() == text, rel
