"""Whether a kustomization's helmCharts would be pulled is asked of any file named
kustomization.yaml: one holding a list or a scalar (the word helmCharts in it) is no kustomization
kustomize builds, and is answered "none", where it raised AttributeError (a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.render import tools


@pytest.mark.parametrize("text", ["- helmCharts\n- name: x\n", "helmCharts\n", "[helmCharts, helmGlobals]\n"])
def test_a_kustomization_that_is_no_mapping_pulls_no_chart(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_text(text)
    assert tools._pulled_chart(path, {path: text}) is None


def test_a_mapping_naming_a_chart_to_pull_still_says_it(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    text = "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n  version: 1.0.0\n"
    path.write_text(text)
    assert tools._pulled_chart(path, {path: text}) == "redis from https://charts.example.com"
