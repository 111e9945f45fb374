"""A bare git remote whose environment has many releases, written with ``git fast-import``
(for ``bench/history_bench.py``, ``bench/history_overlay_bench.py`` and the history tests),
and ``gitops-bot history`` of it as its command runs it."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gitops_bot.engine.history import history
from gitops_bot.engine.session import Sessions

HOST = "registry.test"


def inline(name: str, text: str) -> str:
    """A fast-import ``M`` command writing ``text`` to ``name``."""
    data = text.encode()
    return f"M 100644 inline {name}\ndata {len(data)}\n{text}\n"


def remote(root: Path, stream: Sequence[str]) -> Path:
    """The bare remote ``root/remote.git`` holding what the fast-import ``stream`` commits; it
    serves partial clones (``--filter=blob:none``) and blobs asked for by id."""
    made = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(made)], check=True)
    subprocess.run(["git", "-C", str(made), "config", "uploadpack.allowFilter", "true"], check=True)
    subprocess.run(["git", "-C", str(made), "config", "uploadpack.allowAnySHA1InWant", "true"], check=True)
    subprocess.run(
        ["git", "-C", str(made), "fast-import", "--quiet"], input="".join(stream), text=True, check=True
    )
    return made


def prod_history(url: str, environ: dict[str, str]) -> list[object]:
    """``gitops-bot history prod`` as its command runs it: a session that signs nothing."""
    return list(Sessions(url, environ=environ).open(lambda s: history(s, "prod"), sign=False))


def _kustomization(tag: str) -> str:
    digest = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
    entry = f"- name: app\n  newName: {HOST}/acme/app\n  newTag: {tag}\n  digest: {digest}\n"
    return f"resources: []\nimages:\n{entry}"


def build_remote(root: Path, releases: int) -> Path:
    """Release r moves prod's app to 1.r.0 with the bot's trailer; a commit touching only
    notes.txt follows each. The remote serves partial clones (``--filter=blob:none``)."""
    config = (
        f"version: 1\nimages:\n  - name: app\n    repository: {HOST}/acme/app\n"
        "environments:\n  - name: prod\n    path: overlays/prod\n"
    )
    stream = [
        "commit refs/heads/main\ncommitter dev <d@x> 1700000000 +0000\ndata 7\ninitial\n"
        + inline("gitops-bot.yaml", config)
        + inline("overlays/prod/kustomization.yaml", _kustomization("1.0.0"))
    ]
    for r in range(1, releases):
        message = f"chore(prod): app 1.{r}.0\n\nGitops-Bot-Release: prod-{r:08x}\n"
        stream.append(
            f"commit refs/heads/main\ncommitter dev <d@x> {1700000000 + 2 * r} +0000\n"
            f"data {len(message.encode())}\n{message}"
            + inline("overlays/prod/kustomization.yaml", _kustomization(f"1.{r}.0"))
        )
        stream.append(
            f"commit refs/heads/main\ncommitter dev <d@x> {1700000001 + 2 * r} +0000\ndata 5\nnotes\n"
            + inline("overlays/prod/notes.txt", f"{r}\n")
        )
    return remote(root, stream)
