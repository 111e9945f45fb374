"""Environments whose kustomizations are empty files (didlawowo/modern-argocd-appset-extension:
manifests/overlays/{dev,prod}/kustomization.yaml and its base, 0 bytes each). init said "run init
where the workloads are pinned (the branch or repository a line above names, if one does)" on a
line with no line above it: the person looked for one. It says the kustomizations are empty."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed


def test_empty_kustomizations_are_said_and_no_line_above_is_named(tmp_path: Path) -> None:
    files = {
        "manifests/base/kustomization.yaml": "",
        "manifests/base/extension.yaml": "",
        "manifests/overlays/dev/kustomization.yaml": "",
        "manifests/overlays/prod/kustomization.yaml": "",
    }
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "a line above" not in line, line
    assert (
        "found environments dev (manifests/overlays/dev), prod (manifests/overlays/prod) in " in line
        and "but no image or chart they pin: nothing for gitops-bot to release here "
        "(dev, prod: each kustomization is an empty file)"
        in line
    ), line
