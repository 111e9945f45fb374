"""A git working copy holding the given files in one commit: the repository a test's command
reads (``plan --repo DIR``), or clones once made bare (:func:`testkit.git_http.bare_repository`)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def committed(work: Path, files: dict[str, str], *, branch: str = "main") -> Path:
    """``work`` made a repository whose ``branch`` holds ``files`` (path: text) in one commit."""
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text, encoding="utf-8")
    # the test's own identity, and no signing a user's global configuration might ask for
    config = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")
    for args in (("init", "-q", "-b", branch), ("add", "-A"), ("commit", "-qm", "init")):
        subprocess.run(["git", "-C", str(work), *config, *args], check=True, capture_output=True)
    return work
