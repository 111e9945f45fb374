"""The files an ApplicationSet's git files generator reads, as ``git ls-files -- <pattern>``
lists them: every file matching, however many others the walk meets first, and nothing through
a link to a directory (git keeps a link as itself)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_bot.render import git_generators, walk
from testkit.local_git import write


def test_a_match_walked_after_more_other_files_than_the_bound_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk stopped at 5,000 files of any name: aa/config.json, walked after zz/'s 5,001
    files, was dropped unsaid and its Application never generated (the bound made 50 here, for
    the test's speed)."""
    monkeypatch.setattr(git_generators, "MAX_FILES", 50)
    root = write(tmp_path, {"aa/config.json": '{"env": "prod"}\n'})
    (root / "zz").mkdir()
    for i in range(51):
        (root / "zz" / f"f{i}.txt").write_text("")
    got = git_generators.glob_files(walk.DiskTree(root), root, "*/config.json")
    assert got == [("aa/config.json", {"env": "prod"})]


def test_links_back_to_their_own_directory_add_no_file(tmp_path: Path) -> None:
    """envs/a -> . and envs/b -> .: envs/prod/config.yaml was read 2,516 times over (envs/a/prod,
    envs/a/b/prod, ...), each an Application of the same name, in 4 s."""
    root = write(tmp_path, {"envs/prod/config.yaml": "env: prod\n"})
    os.symlink(".", root / "envs/a")
    os.symlink(".", root / "envs/b")
    got = git_generators.glob_files(walk.DiskTree(root), root, "envs/**/config.yaml")
    assert [rel for rel, _ in got] == ["envs/prod/config.yaml"]


def test_a_link_to_a_directory_is_no_directory_of_a_directories_generator(tmp_path: Path) -> None:
    """apps/current -> v2: Argo CD's walk of the checkout takes the link for no directory, where
    the glob made it an Application of its own, v2's twice."""
    root = write(
        tmp_path, {"apps/v2/deploy.yaml": "kind: ConfigMap\n", "apps/v1/deploy.yaml": "kind: ConfigMap\n"}
    )
    os.symlink("v2", root / "apps/current")
    tree = walk.DiskTree(root)
    assert git_generators.glob_dirs(tree, root, "apps/*") == ["apps/v1", "apps/v2"]
    assert git_generators.glob_dirs(tree, root, "apps/current") == []
