"""Where the real ``kubectl`` (with Kustomize) and ``helm`` are: ``.tools/bin`` in the source
tree (``scripts/kube-tools.sh`` puts them there; ``scripts/bootstrap.sh`` runs it), else PATH.
The suite uses them as the judges of what an edited file renders to."""

from __future__ import annotations

import os
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
