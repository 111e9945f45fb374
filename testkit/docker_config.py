"""A docker ``config.json`` and a ``docker-credential-*`` helper on PATH, as a user's machine
has them, for the credential lookup's tests."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest


def docker_config(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return path


def helper(tmp_path: Path, name: str, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``docker-credential-NAME`` running ``body`` (sh), first on PATH."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    script = bindir / f"docker-credential-{name}"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
