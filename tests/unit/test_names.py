"""Each public class name means one thing: no two modules of the package define a top-level
class of the same (non-underscore) name. A reader who meets ``Verdict`` in one module and
``Verdict`` in another should not have to find out which of three it is.

The one convention it allows: each command's module (``cli.COMMANDS``) names its arguments
``Request``, which the command table looks up by that name."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from gitops_bot.cli import COMMANDS
from testkit import package_source
from testkit.paths import ROOT

PACKAGE = ROOT / "gitops_bot"

# Names allowed to stay defined twice while a rename is under way (empty: none is). Each entry
# is the exact set of modules, so a third definition still fails, and an entry no longer
# duplicated fails too, so the list only shrinks.
RENAMED_NEXT: dict[str, frozenset[str]] = {}


def _classes(body: list[ast.stmt]) -> Iterator[str]:
    """The classes a module defines at its top level, also under a module-level ``if`` or ``try``."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.If):
            yield from _classes(node.body)
            yield from _classes(node.orelse)
        elif isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _classes(part)


def _module(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _parsed(root: Path) -> Iterator[tuple[Path, ast.Module]]:
    """Each module under ``root`` and its tree: the package's own parsed once a process."""
    if root == package_source.PACKAGE:
        yield from ((src.path, src.tree) for src in package_source.sources())
        return
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def public_classes(root: Path) -> dict[str, set[str]]:
    """Each public top-level class name under ``root`` and the modules that define it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, tree in _parsed(root):
        for name in _classes(tree.body):
            if not name.startswith("_"):
                found[name].add(_module(path, root))
    return found


def defined_twice(root: Path, commands: set[str], allowed: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    """The public class names defined in two or more modules, leaving out each command
    module's ``Request`` and the ``allowed`` sets as they are."""
    twice: dict[str, list[str]] = {}
    for name, modules in public_classes(root).items():
        if name == "Request":
            modules = modules - commands
        if len(modules) > 1 and modules != set(allowed.get(name, ())):
            twice[name] = sorted(modules)
    return twice


def test_no_public_class_name_is_defined_in_two_modules() -> None:
    twice = defined_twice(PACKAGE, set(COMMANDS.values()), RENAMED_NEXT)
    assert twice == {}, "one name, one meaning: rename all but one of " + "; ".join(
        f"{name} ({', '.join(modules)})" for name, modules in sorted(twice.items())
    )


def test_the_names_to_rename_next_are_still_defined_twice() -> None:
    """An entry whose duplicate is gone is taken out of the list, so the list only shrinks."""
    found = public_classes(PACKAGE)
    stale = {name: sorted(mods) for name, mods in RENAMED_NEXT.items() if found.get(name, set()) != set(mods)}
    assert stale == {}


def test_the_check_finds_a_name_defined_twice(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "a").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "a" / "__init__.py").write_text("class Verdict: ...\n")
    (root / "b.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    class Verdict: ...\n")
    (root / "c.py").write_text("class _Verdict: ...\nclass Request: ...\ndef f():\n    class Verdict: ...\n")
    (root / "d.py").write_text("class Request: ...\n")
    assert defined_twice(root, {"pkg.d"}, {}) == {"Verdict": ["pkg.a", "pkg.b"]}
    assert defined_twice(root, set(), {}) == {"Request": ["pkg.c", "pkg.d"], "Verdict": ["pkg.a", "pkg.b"]}
    assert defined_twice(root, {"pkg.d"}, {"Verdict": frozenset({"pkg.a", "pkg.b"})}) == {}
