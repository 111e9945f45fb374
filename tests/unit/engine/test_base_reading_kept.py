"""The base's rules' reading is kept by the commit the checkout's files are (a watch's cycle over
an unchanged repository reads no overlay again), and read again whenever one of its inputs is
not the same: another commit, files that are no commit (a dirty worktree), another
configuration, another name for the checkout's branch (the remote's default branch changed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.config import load
from gitops_bot.engine import branches
from gitops_bot.engine.app import App
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.render import reader
from testkit.local_git import write

CONFIG = (
    "version: 1\nrender:\n  enabled: false\nimages:\n  - name: app\n    repository: example.com/app\n"
    "environments:\n  - name: dev\n    path: overlays/dev\n"
)
OVERLAY = "resources: []\nimages:\n- name: app\n  newName: example.com/app\n  newTag: 1.0.0\n"


@pytest.fixture
def reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    write(tmp_path, {"gitops-bot.yaml": CONFIG, "overlays/dev/kustomization.yaml": OVERLAY})
    counted: list[int] = []
    read = reader.Reader.read

    def counting(self: reader.Reader, *args: Any, **kw: Any) -> Any:
        counted.append(1)
        return read(self, *args, **kw)

    monkeypatch.setattr(reader.Reader, "read", counting)
    return counted


def _read(root: Path, content: str | None, base: str = "main") -> dict[str, Any]:
    """One run's reading of the base (a new App, as each watch cycle makes)."""
    cfg = load(root / "gitops-bot.yaml")
    app = App(cfg, RegistryPool(cfg), root=root, base=base)
    return branches.read_every(app, reader.DiskTree(root, content=content))


def test_a_known_commit_is_read_once(tmp_path: Path, reads: list[int]) -> None:
    first = _read(tmp_path, "a" * 40)
    assert _read(tmp_path, "a" * 40) == first
    assert len(reads) == 1
    assert first["dev"].images[0].effective.tag == "1.0.0"  # type: ignore[union-attr]
    _read(tmp_path, "b" * 40)  # another commit
    assert len(reads) == 2


def test_files_that_are_no_commit_are_read_every_time(tmp_path: Path, reads: list[int]) -> None:
    _read(tmp_path, None)
    overlay = tmp_path / "overlays/dev/kustomization.yaml"
    overlay.write_text(OVERLAY.replace("1.0.0", "1.0.1"))  # a dirty worktree: its status names no commit
    assert _read(tmp_path, None)["dev"].images[0].effective.tag == "1.0.1"  # type: ignore[union-attr]
    assert len(reads) == 2


def test_another_configuration_or_base_name_is_read_again(tmp_path: Path, reads: list[int]) -> None:
    _read(tmp_path, "c" * 40)
    _read(tmp_path, "c" * 40, base="trunk")  # the remote's default branch renamed
    assert len(reads) == 2
    config = tmp_path / "gitops-bot.yaml"
    config.write_text(CONFIG.replace("name: dev", "name: development"))
    assert list(_read(tmp_path, "c" * 40)) == ["development"]
    assert len(reads) == 3
