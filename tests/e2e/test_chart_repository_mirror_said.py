"""A ``registries:`` mirror for the host of a classic chart repository (an ``https://`` URL whose
``index.yaml`` is read) stands in for nothing: a mirror is for image registries. With the
repository out of reach, the run's one error line says so, with what to do, where the mirror
was ignored without a word (newcomer D10: bitnami-labs.github.io's mirror, plan stopping at its
index.yaml)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main

CONFIG = """version: 1
images: []
charts:
  - {name: beta, repository: "http://127.0.0.1:1/charts", policy: semver}
registries:
  127.0.0.1:1: {mirror: "127.0.0.1:9"}
environments:
  - {name: staging, path: overlays/staging}
"""
KUSTOMIZATION = """helmCharts:
  - name: beta
    repo: http://127.0.0.1:1/charts
    version: 1.2.0
"""


def test_a_mirror_for_a_chart_repositorys_host_is_said_not_to_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "overlays/staging").mkdir(parents=True)
    (tmp_path / "overlays/staging/kustomization.yaml").write_text(KUSTOMIZATION)
    (tmp_path / "gitops-bot.yaml").write_text(CONFIG)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    code = main(["plan", "--repo", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 3
    assert "chart repository http://127.0.0.1:1/charts/index.yaml unreachable" in err
    assert (
        "the registries: mirror of 127.0.0.1:1 is not read for its chart repositories: a mirror stands in "
        "for an image registry, and a classic chart repository's index.yaml is read at its own address"
    ) in err
