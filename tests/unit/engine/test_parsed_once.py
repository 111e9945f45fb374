"""What init parses, parsed once (mthorley/k8s-gitops@beb1c33a, 522 files with a dozen manifests of
0.2-1.7 MB: CustomResourceDefinitions, Grafana dashboards): a file's documents are asked again by
each of init's questions, and a render's proof read every document of the render to find the few
its markers are in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.engine import proven, repository_files
from gitops_bot.manifests import yamlvalues

DEPLOY = "kind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n      - image: app:MARK\n"


def test_a_file_asked_again_is_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    parsed: list[str] = []
    load_all = yamlvalues.load_all

    def counted(text: str, filename: str, **kw: Any) -> list[Any]:
        parsed.append(filename)
        return load_all(text, filename, **kw)

    monkeypatch.setattr(yamlvalues, "load_all", counted)
    repo = repository_files.RepoFiles(tmp_path)
    for _ in range(3):
        assert repo.docs("deploy.yaml")[0]["kind"] == "Deployment"
    assert parsed == ["deploy.yaml"]


def test_a_proof_reads_only_the_documents_its_markers_are_in() -> None:
    # a document no marker is in is not parsed: one the parser would refuse hides nothing
    unparsable = "kind: CustomResourceDefinition\nspec: {a: [}\n"
    assert proven._carried(f"{unparsable}---\n{DEPLOY}", {"app": "MARK"}) == {"app"}
    # where the marker's own document is refused, nothing is carried, as before
    assert proven._carried(f"{DEPLOY}  x: [MARK\n", {"app": "MARK"}) == set()


def test_a_helm_release_takes_its_values_from_a_config_map_without_the_marker_in_its_own_text() -> None:
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\n"
        "spec:\n  valuesFrom:\n  - kind: ConfigMap\n    name: app-values\n"
    )
    values = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-values}\ndata:\n  values.yaml: 'tag: MARK'\n"
    )
    assert proven._carried(f"{release}---\n{values}", {"app": "MARK"}) == {"app"}
