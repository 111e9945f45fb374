"""The test suite's shape: every test module sits in a tier directory (unit/<package>/,
contract/, e2e/, shipped/), a unit test's package is one gitops_bot has, and no test module
imports another test module or a conftest (what tests share lives in testkit/ and in fixtures)."""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from pathlib import Path

from testkit.paths import ROOT

TESTS = ROOT / "tests"
TIERS = ("unit", "contract", "e2e", "shipped")


def _test_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p.name.startswith("test_"))


def _imported(path: Path) -> list[str]:
    """The modules ``path`` imports, relative imports spelt with their leading dots."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_every_test_module_sits_in_a_tier_directory() -> None:
    modules = _test_modules()
    assert len(modules) > 50  # the walk found the suite
    outside = [str(p.relative_to(TESTS)) for p in modules if p.relative_to(TESTS).parts[0] not in TIERS]
    flat = [str(p.relative_to(TESTS)) for p in modules if len(p.relative_to(TESTS).parts) < 2]
    assert outside == [] and flat == []


def test_unit_tests_are_grouped_by_a_package_gitops_bot_has() -> None:
    """Each unit directory is named after a package or module of gitops_bot, or is ``bench``:
    the benchmarks' own helpers (``bench/``), tested as fast as a package is."""
    ours = {p.stem if p.suffix == ".py" else p.name for p in (ROOT / "gitops_bot").iterdir()} | {"bench"}
    groups = {p.name for p in (TESTS / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert groups and groups <= ours, groups - ours


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    offenders = {
        str(p.relative_to(TESTS)): bad
        for p in [*_test_modules(), *TESTS.rglob("conftest.py")]
        if (
            bad := [
                name
                for name in _imported(p)
                if name.startswith(".") or name.split(".")[0] in ("tests", "conftest")
            ]
        )
    }
    assert offenders == {}


def test_every_test_file_the_docs_and_comments_cite_exists() -> None:
    """A moved or renamed test module leaves no citation behind in the README, docs/,
    pyproject.toml, the package's comments or testkit/."""
    sources = [
        ROOT / "README.md",
        ROOT / "pyproject.toml",
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "gitops_bot").rglob("*.py"),
        *(ROOT / "testkit").rglob("*.py"),
    ]
    cited = {
        (src.relative_to(ROOT).as_posix(), m.group(0))
        for src in sources
        for m in re.finditer(r"tests/[\w/]*?test_\w+\.py", src.read_text())
    }
    assert len(cited) > 10  # the pattern still finds the citations
    assert sorted(c for c in cited if not (ROOT / c[1]).is_file()) == []


def test_workers_take_queued_tests_from_a_busy_worker() -> None:
    """Under ``-n`` the workers steal each other's queued tests: xdist's default scheduler hands
    out runs of consecutive tests for good, and the worker given a run of end-to-end stories
    ran alone for the last third of a whole run."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    words = shlex.split(options["addopts"])
    chosen = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--dist"]
    chosen += [w.removeprefix("--dist=") for w in words if w.startswith("--dist=")]
    assert chosen == ["worksteal"], options["addopts"]
