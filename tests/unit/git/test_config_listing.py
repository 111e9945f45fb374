"""A repository's configuration read from one listing answers each key as ``git config --get``
does: sections and names in any case, a subsection as written, the last of a key set twice, a
key set with no value, and none for a key set nowhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
