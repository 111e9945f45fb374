"""Where the real ``kubectl`` (with Kustomize) and ``helm`` are: ``.tools/bin`` in the source
tree (``scripts/kube-tools.sh`` puts them there; ``scripts/bootstrap.sh`` runs it), else PATH.
The suite uses them as the judges of what an edited file renders to."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / ".tools" / "bin"


def binary(name: str) -> str:
    """The path of ``kubectl`` or ``helm``; a missing one is a broken test set-up, not a skip."""
    local = TOOLS / name
    if local.is_file():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found in {TOOLS} or on PATH: run bash scripts/kube-tools.sh")
    return found


def kubectl() -> str:
    return binary("kubectl")


def judge_env() -> dict[str, str]:
    """The environment the suite's own runs of kubectl and helm get (the judges; the bot's runs
    get the bot's): Go's collector off below 1 GiB, since a render allocates a little and exits
    and the collections were a third of each run's CPU (``kubectl kustomize`` of a small
    overlay, 30 runs twice: 190 -> 130 ms a run). What the tool prints is the same."""
    return {**os.environ, "GOGC": "off", "GOMEMLIMIT": "1GiB"}


def helm() -> str:
    return binary("helm")


def kustomize(directory: Path) -> str:
    """What the real ``kubectl kustomize`` renders of ``directory``, as Argo CD renders it (a
    failure fails the test)."""
    return subprocess.run(
        [kubectl(), "kustomize", str(directory)], check=True, capture_output=True, text=True, env=judge_env()
    ).stdout


# Where the judges' renders are kept for a session, a folder every worker shares (set by
# tests/e2e/conftest.py; empty: nothing kept). The same corpus directory is judged by several
# tests (the truths' renders, the joint build's parts), often in other workers.
KEPT: list[Path] = []


def kept(argv: Sequence[str], tree: Path, timeout: float = 60) -> str:
    """What the judge's ``argv`` (kubectl or helm first, its paths relative to ``tree``)
    prints, run in ``tree``; a failure fails the test. Kept for the session by the tool (its
    path, size and time), the arguments and the content of every file of ``tree``: the tool's
    output is a function of those, so one run serves every test asking the same."""
    key = hashlib.sha256()
    for part in (_identity(argv[0]), *argv[1:], _content(tree)):
        key.update(part.encode() + b"\0")
    kept_at = KEPT[0] / key.hexdigest() if KEPT else None
    if kept_at is not None and kept_at.is_file():
        return kept_at.read_text(encoding="utf-8")
    done = subprocess.run(
        list(argv), cwd=tree, capture_output=True, text=True, timeout=timeout, env=judge_env()
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed in {tree}: {done.stderr.strip()[:500]}")
    if kept_at is not None:  # written whole, then renamed: another worker reads all of it or none
        kept_at.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=kept_at.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(done.stdout)
        os.replace(part, kept_at)
    return done.stdout


@functools.cache
def _identity(tool: str) -> str:
    st = Path(tool).resolve().stat()
    return f"{Path(tool).resolve()}\0{st.st_size}\0{st.st_mtime_ns}"


def _content(tree: Path) -> str:
    """A digest of every file under ``tree`` (its relative path, a link's target, the bytes)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(tree)):
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, tree).encode() + b"\0")
            if os.path.islink(path):
                h.update(b"link\0" + os.readlink(path).encode() + b"\0")
            else:
                with open(path, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()
