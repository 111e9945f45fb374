"""A configuration is built once per content of its file: a watch's cycle over an unchanged
repository read and built it again every time from the same text. What it is built from is the
key: the file's path, its text and the environment variables it may name (a fleet's
repository); a file that changes, or a refusal, is read as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import config as config_mod
from gitops_bot.core.errors import ConfigError

TEXT = (
    "version: 1\nimages:\n  - name: app\n    repository: registry.example/app\n"
    "environments:\n  - name: dev\n    path: overlays/dev\n"
)


def test_the_same_text_is_built_once_and_any_change_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gitops-bot.yaml"
    path.write_text(TEXT)
    first = config_mod.load(path)
    assert config_mod.load(path) is first  # the same text: the configuration built from it
    path.write_text(TEXT.replace("overlays/dev", "overlays/development"))
    changed = config_mod.load(path)
    assert changed is not first
    assert changed.environment("dev").paths == ("overlays/development",)
    assert config_mod.load(path, env_allowed=frozenset()) is not changed  # what it may name differs
    other = tmp_path / "other"
    other.mkdir()
    (other / "gitops-bot.yaml").write_text(TEXT)
    assert config_mod.load(other / "gitops-bot.yaml").root == other  # another file: its own


def test_a_refused_file_is_refused_each_time_and_the_kept_entries_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gitops-bot.yaml"
    path.write_text(TEXT.replace("github", "x") + "git:\n  author_email_env: ghp_0123456789abcdef\n")
    for _ in range(2):
        with pytest.raises(ConfigError):
            config_mod.load(path)
    monkeypatch.setattr(config_mod, "KEPT_CONFIGS", 2)
    for n in range(4):
        (tmp_path / str(n)).mkdir()
        (tmp_path / str(n) / "gitops-bot.yaml").write_text(TEXT)
        config_mod.load(tmp_path / str(n) / "gitops-bot.yaml")
    assert list(config_mod._kept)[-2:] == [
        tmp_path / "2" / "gitops-bot.yaml",
        tmp_path / "3" / "gitops-bot.yaml",
    ]
    assert len(config_mod._kept) == 2
