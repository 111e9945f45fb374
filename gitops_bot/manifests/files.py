"""Reading and writing manifest files byte for byte: no newline translation, atomic
replacement (temp file + rename) with the file's mode kept."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gitops_bot.errors import UsageError


def read_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def write_atomic(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never a half-written one (temp file + rename).
    No fsync: these are working-tree files that git itself does not fsync, and every edit is
    re-derived from the plan on the next run; fsync tripled the cost of an edit."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
