"""An Application whose kind is written in a form YAML (and Argo CD) reads as Application,
though the text never says ``kind: Application`` (quoted, JSON, spelled with escapes): init's
tests of the text must not skip it, so the overlay it deploys is found as an environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine import discovered_built
from gitops_bot.engine.repository_files import RepoFiles
from testkit.local_git import write

SOURCE = '"spec": {"source": {"repoURL": "https://github.com/acme/deploy.git", "path": "overlays/dev"}}'


@pytest.mark.parametrize(
    "kind",
    ['"Application"', '"Appl\\u0069cation"', "Appl\\x69cation"],
    ids=["quoted", "u-escape", "x-escape"],
)
def test_an_application_kind_written_otherwise_is_read(tmp_path: Path, kind: str) -> None:
    quoted = kind if kind.startswith('"') else f'"{kind}"'
    text = f'{{"apiVersion": "argoproj.io/v1alpha1", "kind": {quoted}, "metadata": {{"name": "dev"}}, {SOURCE}}}\n'
    root = write(tmp_path, {"apps/dev.yaml": text})
    apps = discovered_built.sources(RepoFiles(root), "apps/dev.yaml", text)
    assert apps is not None and [a.path for a in apps] == ["overlays/dev"], apps
