"""git in a test's own repository, with nothing from the machine it runs on: the identity the
test gives, the repository itself as HOME (no user's or global config) and a bare PATH; and the
files a test writes into such a repository and commits."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str, name: str = "t", email: str = "t@example") -> str:
    """``git ARGS`` in ``root`` committing as ``name <email>``; its standard output (a failure
    raises)."""
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def write(root: Path, files: dict[str, str]) -> Path:
    """``files`` (path under ``root``: text) written, their directories made; ``root``."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def commit(root: Path, message: str) -> str:
    """Everything in ``root``'s working tree committed as ``message``; the commit's id."""
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def committed(work: Path, files: dict[str, str], *, branch: str = "main") -> Path:
    """``work`` made a repository whose ``branch`` holds ``files`` in one commit; ``work``."""
    write(work, files).mkdir(parents=True, exist_ok=True)
    git(work, "init", "-q", "-b", branch)
    commit(work, "init")
    return work


def origin_and_clone(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A bare ``origin.git`` whose main holds ``files`` in one commit, and a clone of it."""
    seed = committed(tmp_path / "seed", files)
    origin, clone = tmp_path / "origin.git", tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return origin, clone
