"""Right after ``init --write`` the config is in the working directory, not on the base branch
as the remote has it, which is what status, explain and update read: they say so, and what to
do, instead of "no gitops-bot.yaml" beside the file a person can see."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from testkit.local_git import git

CONFIG = "version: 1\nimages:\n  - name: acme/app\nenvironments:\n  - name: dev\n    path: overlays/dev\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A clone whose origin's main has the overlay and no config."""
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "origin.git", "work")
    (work / "overlays/dev").mkdir(parents=True)
    (work / "overlays/dev/kustomization.yaml").write_text("resources: []\n")
    git(work, "add", "overlays")
    git(work, "commit", "-q", "-m", "overlay")
    git(work, "push", "-q", "origin", "HEAD:main")
    return work


@pytest.mark.parametrize("argv", [["status"], ["explain", "dev", "acme/app"], ["update", "--dry-run"]])
def test_a_config_not_pushed_yet_is_said_with_what_to_do(work: Path, argv: list[str]) -> None:
    (work / "gitops-bot.yaml").write_text(CONFIG)
    result = cli.execute([*argv, "--repo", str(work)])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert line.startswith(
        "gitops-bot: error: gitops-bot.yaml is in the working directory but not on origin/main"
    ), line
    assert "commit and push it" in line


def test_without_a_config_anywhere_it_is_still_no_config(work: Path) -> None:
    result = cli.execute(["status", "--repo", str(work)])
    assert result.exit_code == 2
    assert result.body.line.startswith("gitops-bot: error: no gitops-bot.yaml in")  # type: ignore[union-attr]
