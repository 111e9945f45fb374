"""No module of the package grows past 600 lines: a module that long holds several questions
(the forge port, its retry and its listings once lived in one file of 648 lines), and the next
reader of it has to find which part answers theirs. Split it by question, not by line count."""

from __future__ import annotations

from testkit.paths import ROOT

LIMIT = 600


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in sorted((ROOT / "gitops_bot").rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}, f"modules over {LIMIT} lines: {long}"
