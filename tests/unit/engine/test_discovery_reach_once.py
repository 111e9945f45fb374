"""init walks each kustomization directory once: its candidates, what deploys each directory and
the overlays' shapes all ask what a directory renders (mitchross/talos-argocd-proxmox: 302 walks
of 100 directories, a tenth of init's own CPU there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.engine import discovered_images, repository_files
from gitops_bot.render import reader


def test_a_directory_asked_again_is_not_walked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel, text in {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": "kind: Deployment\nmetadata: {name: app}\n",
        "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    walked: list[str] = []
    walk = reader._reach

    def counted(tree: Any, root: Path, directory: Path) -> reader.Reach:
        walked.append(directory.relative_to(root).as_posix())
        return walk(tree, root, directory)

    monkeypatch.setattr(reader, "_reach", counted)
    repo = repository_files.RepoFiles(tmp_path)
    for _ in range(3):
        for d in ("overlays/dev", "overlays/prod"):
            assert [p.name for p in repository_files.files_of(repo, d)] == [
                "kustomization.yaml",
                "kustomization.yaml",
                "deploy.yaml",
            ]
            assert discovered_images._reach(repo, d)[-1] == "base/deploy.yaml"
    assert sorted(walked) == ["overlays/dev", "overlays/prod"]
