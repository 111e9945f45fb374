"""A bare git remote with ``main`` and one branch a commit ahead: what a forge fake's change
requests need, for the adapter tests that drive a fake directly."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path


def remote_with_branch(tmp_path: Path, branch: str) -> Path:
    """``tmp_path/remote.git``: a copy of the process's one such remote for ``branch`` (built
    with git once, by :func:`_built`; eight git commands a test were most of its time)."""
    remote = tmp_path / "remote.git"
    shutil.copytree(_built(branch), remote, symlinks=True)
    return remote


@functools.cache
def _built(branch: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-forge-remote-"))
    atexit.register(shutil.rmtree, root, True)  # the test process's own, gone with it
    remote, work = root / "remote.git", root / "work"
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
