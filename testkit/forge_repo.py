"""A bare git remote with ``main`` and one branch a commit ahead: what a forge fake's change
requests need, for the adapter tests that drive a fake directly."""

from __future__ import annotations

import subprocess
from pathlib import Path


def remote_with_branch(tmp_path: Path, branch: str) -> Path:
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    run = ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com", "-C", str(work)]
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    (work / "a.txt").write_text("1\n")
    subprocess.run([*run, "add", "-A"], check=True)
    subprocess.run([*run, "commit", "-qm", "initial"], check=True)
    subprocess.run([*run, "push", "-q", "origin", "main"], check=True)
    subprocess.run([*run, "checkout", "-qb", branch], check=True)
    (work / "a.txt").write_text("2\n")
    subprocess.run([*run, "commit", "-qam", "bump"], check=True)
    subprocess.run([*run, "push", "-q", "origin", branch], check=True)
    return remote
