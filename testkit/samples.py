"""The docs' output samples, written by the tests that print them: a page marks where a sample
goes (``<!-- NAME -->`` on the line before a fenced block) and the test compares what the bot
printed with it, so a stale sample fails the test that made it. ``GITOPS_BOT_DOCS_SHOTS=1``
rewrites the block instead."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_HEX = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")


def stand_ins(text: str) -> str:
    """``text`` with each 12-digit id (a release id's hash, a short commit) replaced by a
    stand-in, the same one for the same id, in the order they first appear: the ids depend on
    the run's ports and digests, the stand-ins do not."""
    seen: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        if m.group(0) not in seen:
            seen[m.group(0)] = hashlib.sha256(f"stand-in {len(seen)}".encode()).hexdigest()[:12]
        return seen[m.group(0)]

    return _HEX.sub(one, text)


def text(page: Path, marker: str, printed: str) -> None:
    """Hold the fenced block after ``<!-- marker -->`` on ``page`` to ``printed``."""
    head = f"<!-- {marker} -->\n```text\n"
    doc = page.read_text(encoding="utf-8")
    start = doc.index(head) + len(head)
    end = doc.index("```\n", start)
    printed = printed.rstrip("\n") + "\n"
    if os.environ.get("GITOPS_BOT_DOCS_SHOTS") == "1":
        page.write_text(doc[:start] + printed + doc[end:], encoding="utf-8")
        return
    assert doc[start:end] == printed, f"{page.name} is stale: run this test with GITOPS_BOT_DOCS_SHOTS=1"
