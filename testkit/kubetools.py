"""Where the real ``kubectl`` (with Kustomize) and ``helm`` are: ``.tools/bin`` in the source
tree (``scripts/kube-tools.sh`` puts them there; ``scripts/bootstrap.sh`` runs it), else PATH.
The suite uses them as the judges of what an edited file renders to."""

from __future__ import annotations

import shutil
import subprocess
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


def helm() -> str:
    return binary("helm")


def kustomize(directory: Path) -> str:
    """What the real ``kubectl kustomize`` renders of ``directory``, as Argo CD renders it (a
    failure fails the test)."""
    return subprocess.run(
        [kubectl(), "kustomize", str(directory)], check=True, capture_output=True, text=True
    ).stdout
