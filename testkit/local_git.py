"""git in a test's own repository, with nothing from the machine it runs on: the identity the
test gives, the repository itself as HOME (no user's or global config) and a bare PATH."""

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
