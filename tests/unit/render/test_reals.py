"""A reading's real paths are found a directory at a time (:class:`gitops_bot.core.files.Reals`),
and :func:`gitops_bot.core.files.inside` resolves only a path with a link (or ``..``) below the
root: each path's real place must be the one ``Path.resolve`` gives, on the shapes a hostile
repository holds (links to directories inside and out, chains, loops, dangling links, ``..``
after a link, names that are not there), and whether it is inside the root the same; and the
directories above the paths a reading asks are looked at once, not once a path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core import files
from gitops_bot.core.errors import UsageError
from gitops_bot.render import walk as walks


def _hostile(tmp_path: Path) -> tuple[Path, list[Path]]:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep/file.yaml").write_text("x: 1\n")
    (root / "base/nested").mkdir(parents=True)
    (root / "base/kustomization.yaml").write_text("resources: []\n")
    (root / "base/nested/a.yaml").write_text("a: 1\n")
    (root / "overlays").mkdir()
    os.symlink("../base", root / "overlays/to-base")  # a directory link inside
    os.symlink("to-base", root / "overlays/chain")  # a link to a link
    os.symlink(str(outside), root / "overlays/out")  # absolute, out
    os.symlink("../../outside/deep", root / "overlays/rel-out")  # relative, out
    os.symlink("loop-b", root / "overlays/loop-a")
    os.symlink("loop-a", root / "overlays/loop-b")
    os.symlink("self", root / "overlays/self")
    os.symlink("nowhere", root / "overlays/dangling")
    os.symlink("../base/kustomization.yaml", root / "overlays/file-link")
    os.symlink(".", root / "overlays/here")
    os.symlink("..", root / "overlays/up")
    linked_root = tmp_path / "linked-repo"
    os.symlink("repo", linked_root)  # the root itself reached through a link
    names = [
        "",
        "base",
        "base/kustomization.yaml",
        "base/nested/a.yaml",
        "base/missing.yaml",
        "base/kustomization.yaml/under-a-file",
        "overlays/to-base/kustomization.yaml",
        "overlays/to-base/../overlays/chain/nested/a.yaml",
        "overlays/chain/nested",
        "overlays/out/deep/file.yaml",
        "overlays/out/../repo/base",
        "overlays/rel-out/file.yaml",
        "overlays/loop-a",
        "overlays/loop-a/x.yaml",
        "overlays/self/x",
        "overlays/dangling",
        "overlays/dangling/x.yaml",
        "overlays/file-link",
        "overlays/here/here/to-base",
        "overlays/up/up/repo/base",
        "overlays/../..",
        "..",
    ]
    return root, [base / n for base in (root, linked_root) for n in names]


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


@pytest.mark.parametrize("given", ["repo", "linked-repo"])
def test_each_path_is_where_resolve_puts_it(tmp_path: Path, given: str) -> None:
    root, paths = _hostile(tmp_path)
    reals = files.Reals(tmp_path / given)
    assert reals.root == root.resolve()
    for path in paths * 2:  # asked again: from what was found
        want = _resolved(path)
        assert reals.of(path) == want, path
        inside = want is not None and (want == reals.root or reals.root in want.parents)
        assert reals.inside(path) is inside, path


def test_a_relative_path_is_read_from_the_working_directory(tmp_path: Path, monkeypatch: Any) -> None:
    root, _ = _hostile(tmp_path)
    monkeypatch.chdir(root / "overlays")
    reals = files.Reals(root)
    assert reals.of(Path("to-base/nested")) == (root / "base/nested").resolve()
    assert reals.of(Path("loop-a")) is None
    assert not reals.inside(Path("out/deep"))


def test_the_directories_above_are_looked_at_once(tmp_path: Path, monkeypatch: Any) -> None:
    """100 files in one directory: 100 lstat calls and the few of the directories above it,
    where resolving each path whole looked at every directory above it again for each."""
    folder = tmp_path / "repo/overlays/env"
    folder.mkdir(parents=True)
    for i in range(100):
        (folder / f"f{i}.yaml").write_text("a: 1\n")
    reals = files.Reals(tmp_path / "repo")
    looked: list[str] = []
    lstat = os.lstat

    def counted(path: Any, *args: Any, **kw: Any) -> os.stat_result:
        looked.append(str(path))
        return lstat(path, *args, **kw)

    monkeypatch.setattr(walks.os, "lstat", counted)
    assert all(reals.inside(folder / f"f{i}.yaml") for i in range(100))
    assert len(looked) == 100 + 2  # the files, overlays and env
    assert len(set(looked)) == len(looked)


def _inside_resolved(root: Path, path: Path) -> str:
    """What the containment check said when it resolved root and path whole, every time."""
    try:
        real_root, real = root.resolve(), path.resolve()
    except (RuntimeError, OSError):
        return "loop"
    return "in" if real == real_root or real_root in real.parents else "out"


@pytest.mark.parametrize("given", ["repo", "linked-repo"])
def test_the_containment_check_says_what_resolving_whole_said(tmp_path: Path, given: str) -> None:
    _, paths = _hostile(tmp_path)
    root = tmp_path / given
    for path in paths:
        want = _inside_resolved(root, path)
        try:
            assert files.inside(root, path) == path
            got = "in"
        except UsageError as e:
            got = "loop" if "link loop" in str(e) else "out"
        assert got == want, path
