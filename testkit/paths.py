"""Where the tests find the repository's files, wherever in the tier tree a test module sits."""

from __future__ import annotations

import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"  # golden cases, charts, real payloads and signatures


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` (its first blank line dropped) to ``path``, parents made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path
