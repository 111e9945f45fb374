"""Tree ids computed in Python (git/trees.py) against what git itself records."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_bot.git.trees import BaseTree, GitObject, blob_id, object_id
from testkit.examples import examples

# names whose git order differs from plain string order ("a" the directory sorts as "a/")
SEGMENTS = ["a", "a-b", "a.b", "a0", "b", "ab", "Z", "\u00e9t\u00e9", "x y"]
MODES = ["100644", "100755", "120000"]


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=data, capture_output=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trees") / "repo.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def _paths() -> st.SearchStrategy[list[str]]:
    path = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3).map("/".join)
    return (
        st.lists(path, min_size=1, max_size=12, unique=True).map(_leaves_only).filter(bool)
    )  # a file and its directory both drop


def _leaves_only(paths: list[str]) -> list[str]:
    """Drop a path that is another one's directory (git cannot hold both)."""
    return [p for p in paths if not any(q.startswith(p + "/") or p.startswith(q + "/") for q in paths)]


def _commit(repo: Path, ref: str, files: dict[str, tuple[str, bytes]], parent: str | None) -> str:
    """Commit ``files`` (path -> (mode, content)) with git fast-import; returns the tree id."""
    stream = [
        f"commit {ref}\ncommitter t <t@x> 0 +0000\ndata 1\nx\n".encode(),
        f"from {parent}\n".encode() if parent else f"from {'0' * 40}\n".encode(),
    ]
    for path, (mode, data) in files.items():
        stream.append(f'M {mode} inline "{path}"\ndata {len(data)}\n'.encode() + data + b"\n")
    git(repo, "fast-import", "--quiet", "--force", data=b"".join(stream))
    return git(repo, "rev-parse", f"{ref}^{{tree}}").decode()


def _base(repo: Path, ref: str) -> BaseTree:
    tree = git(repo, "rev-parse", f"{ref}^{{tree}}").decode()
    return BaseTree.parse(tree, git(repo, "ls-tree", "-r", "-t", "-z", "--full-tree", ref))


@settings(
    max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paths=_paths(),
    data=st.data(),
)
def test_tree_ids_equal_what_git_records(repo: Path, paths: list[str], data: st.DataObject) -> None:
    base_files = {p: (data.draw(st.sampled_from(MODES)), data.draw(st.binary(max_size=20))) for p in paths}
    base_tree = _commit(repo, "refs/heads/base", base_files, None)
    base = _base(repo, "refs/heads/base")
    assert base.oid == base_tree
    assert BaseTree("4b825dc642cb6eb9a060e54bf8d69288fbee4904", {"": {}}).with_files(
        {p: d for p, (_, d) in base_files.items() if _ == "100644"}
    )[0] == _commit(
        repo, "refs/heads/plain", {p: (m, d) for p, (m, d) in base_files.items() if m == "100644"}, None
    )

    edited = data.draw(st.lists(st.sampled_from(paths), unique=True))
    added = [p for p in data.draw(_paths()) if p not in paths and _leaves_only([*paths, p])[-1:] == [p]]
    changes = {p: data.draw(st.binary(max_size=20)) for p in [*edited, *added]}
    expected = _commit(
        repo,
        "refs/heads/edited",
        {p: (base_files[p][0] if p in base_files else "100644", d) for p, d in changes.items()},
        "refs/heads/base",
    )
    oid, objects = base.with_files(changes)
    assert oid == expected
    unchanged = all(base_files[p][1] == d for p, d in changes.items() if p in base_files) and not added
    assert (objects == []) == unchanged
    for obj in objects:  # every new object is one git would write, with git's id
        assert git(repo, "cat-file", "-t", obj.oid).decode() == obj.kind


def test_object_ids_are_gits() -> None:
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert object_id("tree", b"") == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    assert GitObject("blob", b"hello\n").oid == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_a_file_where_the_base_has_a_directory_is_refused(repo: Path) -> None:
    _commit(repo, "refs/heads/dir", {"a/b": ("100644", b"x")}, None)
    base = _base(repo, "refs/heads/dir")
    with pytest.raises(ValueError, match="is a directory"):
        base.with_files({"a": b"y"})
    with pytest.raises(ValueError, match="is a file"):
        base.with_files({"a/b/c": b"y"})
