"""A repository's configuration read from one listing answers each key as ``git config --get``
does: sections and names in any case, a subsection as written, the last of a key set twice, a
key set with no value, and none for a key set nowhere; and it is listed again only when what
git reads it from changed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.git import gitcli
from gitops_bot.git.gitcli import Repo


def _get(repo: Path, key: str) -> str | None:
    done = subprocess.run(["git", "config", "--get", key], cwd=repo, capture_output=True, text=True)
    return done.stdout.removesuffix("\n") if done.returncode == 0 else None


def test_each_key_reads_as_git_config_get_reads_it(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with (tmp_path / ".git/config").open("a") as f:
        f.write('[core]\n\tautocrlf\n[Remote "Origin"]\n\turl = x\n[gitops]\n\tv = 1\n\tV = two words\n')
    repo = Repo(tmp_path)
    keys = ["core.autocrlf", "CORE.BARE", "remote.Origin.url", "remote.origin.url", "gitops.v", "no.such"]
    assert [repo.config(k) for k in keys] == [_get(tmp_path, k) for k in keys]
    assert repo.config("gitops.v") == "two words" and repo.config("no.such") is None


def test_the_listing_is_kept_while_every_file_git_reads_holds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch opens each store every cycle: its configuration is listed again only when a file
    git reads it from (the system's, the global ones, the repository's) or the environment
    naming them changed, and never kept where an include names files of its own."""
    repo_dir, home = tmp_path / "repo", tmp_path / "home"
    home.mkdir()
    subprocess.run(["git", "init", "-q", str(repo_dir)], check=True)
    system = tmp_path / "system-gitconfig"
    system.write_text("[core]\n\tautocrlf = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
    listed: list[list[str]] = []
    real = gitcli.completed

    def counted(args: list[str], *rest: Any, **kw: Any) -> subprocess.CompletedProcess[bytes]:
        listed.extend([args] if args[:2] == ["config", "-z"] else [])
        return real(args, *rest, **kw)

    monkeypatch.setattr(gitcli, "completed", counted)

    def autocrlf() -> str | None:
        return Repo(repo_dir).config("core.autocrlf")

    assert (autocrlf(), autocrlf(), len(listed)) == ("false", "false", 1)
    (home / ".gitconfig").write_text("[core]\n\tautocrlf = true\n")  # a global file made
    assert (autocrlf(), autocrlf(), len(listed)) == ("true", "true", 2)
    system.write_text("[core]\n\tautocrlf = input\n")
    assert autocrlf() == "true" and len(listed) == 3  # the global level still wins
    with (repo_dir / ".git/config").open("a") as f:
        f.write("[core]\n\tautocrlf = input\n")
    assert (autocrlf(), autocrlf(), len(listed)) == ("input", "input", 4)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "other"))  # the environment names another
    assert autocrlf() == "input" and len(listed) == 5
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")  # settings the environment gives, each read
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.autocrlf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    assert (autocrlf(), len(listed)) == ("true", 6)
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "false")
    assert (autocrlf(), autocrlf(), len(listed)) == ("false", "false", 7)
    monkeypatch.delenv("GIT_CONFIG_COUNT")
    (home / "included").write_text("[gitops]\n\tv = 1\n")
    with (repo_dir / ".git/config").open("a") as f:
        f.write(f"[include]\n\tpath = {home / 'included'}\n")
    assert Repo(repo_dir).config("gitops.v") == "1" and len(listed) == 8
    (home / "included").write_text("[gitops]\n\tv = 2\n")  # a file only the include names
    assert Repo(repo_dir).config("gitops.v") == "2" and len(listed) == 9
