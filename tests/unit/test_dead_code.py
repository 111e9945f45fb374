"""No dead code in the package: vulture finds no unused function, class, method, attribute or
variable beyond the allow-list (``dead_code_allowlist.txt``), which says why each entry stays.
An allow-list entry that no longer matches fails too, so the list shrinks with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from testkit.paths import ROOT

ALLOWLIST = Path(__file__).with_name("dead_code_allowlist.txt")
_FINDING = re.compile(r"^(?P<path>\S+?):\d+: unused \w+(?: \w+)? '(?P<name>[^']+)'")


def _allowed() -> set[tuple[str, str]]:
    entries = set()
    for line in ALLOWLIST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            path, name = line.split()
            entries.add((path, name))
    return entries


def test_vulture_finds_nothing_unused_outside_the_allow_list() -> None:
    tool = Path(sys.executable).parent / "vulture"
    done = subprocess.run(
        [str(tool), "gitops_bot", "--min-confidence", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 3), done.stderr  # 3: vulture found something
    found = set()
    for line in done.stdout.splitlines():
        m = _FINDING.match(line)
        assert m, f"unread vulture line: {line}"
        found.add((m["path"], m["name"]))
    allowed = _allowed()
    assert sorted(found - allowed) == []
    assert sorted(allowed - found) == [], "allow-list entries that match nothing any more"
