"""The package's own modules, read and parsed once a test process: the tests of the package's
shape (layers, imports, names, templates) each walked every module's syntax tree afresh, about
2 s of CPU apiece. The trees are shared, so the tests only read them."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from testkit.paths import ROOT

PACKAGE = ROOT / "gitops_bot"


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    tree: ast.Module

    @property
    def module(self) -> str:
        """The dotted name: ``gitops_bot.core.errors``; a package's ``__init__`` is the package."""
        parts = self.path.relative_to(PACKAGE.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    @property
    def relative(self) -> Path:
        """The path from the repository's root: ``gitops_bot/core/errors.py``."""
        return self.path.relative_to(PACKAGE.parent)

    @functools.cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        """Every node of the tree, in ``ast.walk`` order."""
        return tuple(ast.walk(self.tree))


@functools.cache
def sources() -> tuple[Source, ...]:
    """Every ``.py`` file under ``gitops_bot/``, sorted by path, each parsed."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        out.append(Source(path, text, ast.parse(text, filename=str(path))))
    return tuple(out)
