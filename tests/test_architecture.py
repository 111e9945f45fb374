"""The import direction (issue 14): lower layers never import higher ones.

Walks every module of the package with ``ast`` (lazy imports inside functions and
``TYPE_CHECKING`` blocks count too: a lazy import hides a dependency, it does not remove it)
and checks each ``gitops_bot`` import against the layers below. ``KNOWN`` lists the arrows
that still run the wrong way; the test fails when a new one appears *and* when a listed one
is gone (remove it from the list, so the list only ever shrinks).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gitops_bot"

# Layer of each top-level module or package of gitops_bot, lowest first. A module may import
# its own layer's modules and every layer below, never a layer above.
LAYERS: dict[str, int] = {
    # 0: imports nothing of ours
    "errors": 0,
    # 1: value objects and process-wide utilities
    "model": 1,
    "imageref": 1,
    "instants": 1,
    "log": 1,
    "ports": 1,
    "progress": 1,
    "secret": 1,
    "privdir": 1,
    "__init__": 1,
    # 2: the pure core: how versions compare, which files hold them, what the plan is
    "policy": 2,
    "manifests": 2,
    "plan": 2,
    "release": 2,
    "yamlguard": 2,
    "yamlvalues": 2,
    # outbound HTTP for every adapter (proxies, trust, deadlines, caps, retries): below them all
    "net": 2,
    # 3: adapters to the outside: where versions come from, where changes go, gates, events
    "registry": 3,
    "scm": 3,
    "argocd": 3,
    "notify": 3,
    "events": 3,
    "trust": 3,
    "holds": 3,
    "renderer": 3,
    # 4: config composes the packages' settings
    "config": 4,
    # 5: use cases: wire config, registry, plan, manifests and scm together
    "app": 5,
    "usecases": 5,
    "writeback": 5,
    "batch": 5,
    "session": 5,
    "delivery": 5,
    "stale": 5,
    "promotion": 5,
    "history": 5,
    "fleet": 5,
    "watch": 5,
    "targeting": 5,
    "output": 5,
    # 6: entry points
    "cli": 6,
    "arguments": 6,
    "action": 6,
    "__main__": 6,
}

# Stricter than the layers: the pure core imports only the value objects and errors.
PURE = {"policy", "manifests", "plan"}
PURE_MAY_IMPORT = {"errors", "model"}
# The outbound layer knows no adapter, no configuration, no use case.
NET_MAY_IMPORT = {"errors", "instants", "log", "net"}
# Sibling adapters that must not know each other.
NEVER = {("registry", "scm"), ("scm", "registry")}

# (importer module, imported module) pairs that still break a rule; shrink, never grow.
KNOWN: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every gitops_bot module this file imports, wherever the import statement sits."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("gitops_bot"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + int(is_package)]
                base = ".".join(["gitops_bot", *anchor, *([base] if base else [])])
            if base == "gitops_bot":  # from gitops_bot import app, __version__: modules or names
                found.update(f"gitops_bot.{a.name}" if _is_module(a.name) else base for a in node.names)
            elif base.startswith("gitops_bot."):
                found.add(base)
    return found


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir()


def _top(dotted: str) -> str:
    """The top-level unit of a module name relative to the package ("scm.git" -> "scm")."""
    rest = dotted.removeprefix("gitops_bot").lstrip(".")
    return rest.split(".")[0] if rest else "__init__"


def _broken(importer: str, imported: str) -> bool:
    src, dst = _top(importer), _top(imported)
    if src == dst:
        return False
    if src in PURE and dst not in PURE_MAY_IMPORT:
        return True
    if src == "net" and dst not in NET_MAY_IMPORT:
        return True
    if (src, dst) in NEVER:
        return True
    return LAYERS[dst] > LAYERS[src]


def _violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for imported in _imports(path, module):
            if _broken(module, imported):
                found.add((module, imported))
    return found


def test_every_module_has_a_layer() -> None:
    tops = {_top("gitops_bot." + _module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert tops - LAYERS.keys() == set(), "give each new module a layer in LAYERS"


def test_no_import_runs_back_up_beyond_the_known_exceptions() -> None:
    found = _violations()
    assert found - KNOWN == set(), "a lower layer imports a higher one (see LAYERS)"
    assert KNOWN - found == set(), "fixed: remove these from KNOWN"


def test_the_walker_sees_lazy_imports_and_relative_ones(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text(
        "def f():\n    from gitops_bot import app\n    from .config import Config\n"
        "from gitops_bot.scm.git import Workspace\nimport gitops_bot.registry.client\n"
    )
    found = _imports(source, "policy.x")
    assert found == {
        "gitops_bot.app",
        "gitops_bot.policy.config",
        "gitops_bot.scm.git",
        "gitops_bot.registry.client",
    }
    assert _broken("policy", "gitops_bot.app") and _broken("registry.client", "gitops_bot.scm.git")
    assert not _broken("app", "gitops_bot.policy") and not _broken("policy.semver", "gitops_bot.model")


def test_every_expected_failure_lives_in_errors() -> None:
    """One module of error classes: every GitOpsBotError subclass is defined in errors.py."""
    import importlib
    import pkgutil

    import gitops_bot
    from gitops_bot.errors import GitOpsBotError

    for info in pkgutil.walk_packages(gitops_bot.__path__, "gitops_bot."):
        if info.name != "gitops_bot.__main__":
            importlib.import_module(info.name)
    pending, outside = [GitOpsBotError], []
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__ != "gitops_bot.errors":
                outside.append(f"{sub.__module__}.{sub.__qualname__}")
    assert outside == []


def test_the_architecture_diagram_matches_the_layers() -> None:
    """docs/architecture.md "Architecture" names every top-level module once, on its layer's line."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## Architecture\n", 1)[1].split("\n## ", 1)[0]
    diagram = section.split("```\n", 2)[1]
    shown: dict[str, int] = {}
    layer = -1
    for line in diagram.splitlines():
        words = line.split()
        if words and words[0].isdigit():
            layer = int(words[0])
        for word in words:
            name = word.removesuffix("/").removesuffix(".py")
            if (word.endswith(".py") or word.endswith("/")) and name in LAYERS:
                assert name not in shown, f"{name} shown twice"
                shown[name] = layer
    assert shown == {name: n for name, n in LAYERS.items() if name != "__init__"}


def _requirement_name(spec: str) -> str:
    return re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _absolute_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


EXTRA_MODULES = {  # module -> the extra whose dependencies it may import
    "gitops_bot/trust/keyless.py": "keyless",
    "gitops_bot/trust/verifier.py": "keyless",  # for type checking only; keyless.py at run time
}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """What the package imports is what `pip install .` brings: a module that only arrives
    through another dependency works until that one drops it (PyYAML once did)."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {_requirement_name(spec) for spec in project["dependencies"]}
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for path in PACKAGE.rglob("*.py"):
        # a module of an extra may also import that extra's dependencies (and nothing else does)
        extra = EXTRA_MODULES.get(path.relative_to(PACKAGE.parent).as_posix())
        allowed = declared | {_requirement_name(s) for s in project["optional-dependencies"].get(extra, [])}
        for top in {name.split(".")[0] for name in _absolute_imports(path)}:
            if top in sys.stdlib_module_names or top in ("gitops_bot", "__future__"):
                continue
            if not {_requirement_name(d) for d in owners.get(top, [top])} & allowed:
                missing[top] = path.relative_to(PACKAGE.parent).as_posix()
    assert not missing, f"imported but not in [project] dependencies: {missing}"
