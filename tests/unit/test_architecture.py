"""The package's shape: the layers hold (import-linter's contracts in pyproject.toml, which
``lint-imports`` checks over every import, lazy and ``TYPE_CHECKING`` ones included), no module
takes part in an import cycle, docs/architecture.md shows the layers as they are, every
expected failure is a class in ``core.errors``, and every third-party import is a declared
dependency."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

from testkit import package_source
from testkit.package_source import Source
from testkit.paths import ROOT

PACKAGE = ROOT / "gitops_bot"
PYPROJECT = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS = PYPROJECT["tool"]["importlinter"]["contracts"]
LAYERS = next(c for c in CONTRACTS if c["type"] == "layers")["layers"]


def _layer_names() -> list[list[str]]:
    """The layers, highest first, as the names of their top-level units (``gitops_bot.x`` -> ``x``)."""
    return [[m.strip().removeprefix("gitops_bot.") for m in re.split(r"[|:]", layer)] for layer in LAYERS]


@functools.cache
def _graph() -> grimp.ImportGraph:
    """The module graph (every import, lazy ones too), built once a test process: the tests
    below only ask it."""
    return grimp.build_graph("gitops_bot", cache_dir=None)


def test_the_import_contracts_hold() -> None:
    """lint-imports (import-linter) over the package: a module imports only its own layer and
    those below it, and the adapters on one layer never import each other."""
    tool = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(tool), "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_every_top_level_unit_sits_on_a_layer() -> None:
    """A new package or module must be given a place in the layers, or the contract says nothing of it."""
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    tops = {t for t in tops if not t.startswith((".", "_")) or t == "__main__"} - {"gitops-bot.schema"}
    tops = {t for t in tops if (PACKAGE / t).is_dir() or (PACKAGE / f"{t}.py").is_file()}
    placed = {name for layer in _layer_names() for name in layer}
    assert tops - placed == set()
    assert placed - tops == set()


def test_no_module_takes_part_in_an_import_cycle() -> None:
    """Strongly connected components of the module graph (every import, lazy ones too) are single modules."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.find_modules_directly_imported_by(node)):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    # a package's __init__ re-exporting its modules is not a cycle of design: drop the package itself
    cycles = [
        [m for m in c if not (PACKAGE / m.removeprefix("gitops_bot.").replace(".", "/")).is_dir()]
        for c in cycles
    ]
    assert [c for c in cycles if len(c) > 1] == []


def _strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm over a small graph: the components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            if component:
                found.append(sorted([node, *component]))

    for node in nodes:
        if node not in index:
            visit(node)
    return found


def test_no_package_takes_part_in_an_import_cycle() -> None:
    """At every level: the children of each package (a subpackage counting with all its modules)
    import each other without a cycle; and no module imports a package it sits in whose
    ``__init__`` imports that module back (``from gitops_bot.watch import http`` inside
    ``watch/loop.py`` runs ``watch/__init__``, which imports ``loop``; grimp records only ``http``)."""
    graph = _graph()
    cycles = []
    for package in sorted(m for m in graph.modules if graph.find_children(m)):
        children = sorted(graph.find_children(package))
        edges = {
            a: {
                b
                for b in children
                if b != a and graph.direct_import_exists(importer=a, imported=b, as_packages=True)
            }
            for a in children
        }
        cycles += _strongly_connected(children, edges)
    for src in package_source.sources():
        module = ".".join(src.relative.with_suffix("").parts).removesuffix(".__init__")
        ancestors = {module.rsplit(".", n)[0] for n in range(1, module.count("."))}
        for imported in _absolute_imports(src) & ancestors:
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append([imported, module])
    assert cycles == []


def test_the_architecture_page_shows_the_layers_as_the_contract_has_them() -> None:
    """docs/architecture.md's diagram names each top-level unit once, on its layer's line, in the contract's order."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = page.split("<!-- layers -->\n```text\n", 1)[1].split("```", 1)[0]
    shown = [re.findall(r"\b([a-z_]+)(?:/|\.py)", line) for line in diagram.splitlines()]
    shown = [[n for n in names] for names in shown if names]
    assert shown == _layer_names()


# packages another engineer is restructuring right now writes their docstring (remove after the merge)
DOCSTRING_PENDING: set[str] = set()


def test_every_package_docstring_says_which_question_it_answers() -> None:
    """A package's docstring is where a reader learns what it is for: an empty one, or one that
    only repeats the package's name (one word), says nothing."""
    empty = []
    for init in (s for s in package_source.sources() if s.path.name == "__init__.py"):
        package = init.path.parent.relative_to(PACKAGE.parent).as_posix()
        if package in DOCSTRING_PENDING:
            continue
        doc = ast.get_docstring(init.tree) or ""
        if len(doc.split()) < 5:
            empty.append(f"{package}: {doc!r}")
    assert empty == []


def test_every_expected_failure_lives_in_errors() -> None:
    """One module of error classes: every GitOpsBotError subclass is defined in errors.py."""
    import importlib
    import pkgutil

    import gitops_bot
    from gitops_bot.core.errors import GitOpsBotError

    for info in pkgutil.walk_packages(gitops_bot.__path__, "gitops_bot."):
        if info.name != "gitops_bot.__main__":
            importlib.import_module(info.name)
    pending, outside = [GitOpsBotError], []
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__ != "gitops_bot.core.errors":
                outside.append(f"{sub.__module__}.{sub.__qualname__}")
    assert outside == []


def _requirement_name(spec: str) -> str:
    return re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _absolute_imports(src: Source) -> set[str]:
    found: set[str] = set()
    for node in src.nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


EXTRA_MODULES = {  # module -> the extra whose dependencies it may import
    "gitops_bot/trust/keyless.py": "keyless",
    "gitops_bot/trust/verifier.py": "keyless",  # for type checking only; keyless.py at run time
    "gitops_bot/registry/cloud/aws.py": "aws",
    "gitops_bot/registry/cloud/gcp.py": "gcp",
}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """What the package imports is what `pip install .` brings: a module that only arrives
    through another dependency works until that one drops it (PyYAML once did)."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {_requirement_name(spec) for spec in project["dependencies"]}
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for src in package_source.sources():
        # a module of an extra may also import that extra's dependencies (and nothing else does)
        extra = EXTRA_MODULES.get(src.relative.as_posix())
        allowed = declared | {_requirement_name(s) for s in project["optional-dependencies"].get(extra, [])}
        for top in {name.split(".")[0] for name in _absolute_imports(src)}:
            if top in sys.stdlib_module_names or top in ("gitops_bot", "__future__"):
                continue
            if not {_requirement_name(d) for d in owners.get(top, [top])} & allowed:
                missing[top] = src.relative.as_posix()
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_start_up_is_plain_python() -> None:
    """No import hook, no cyclic collector switched off or frozen, no code compiled from a
    string, no attribute of another library replaced (the standard library's documented hooks,
    ``sys.excepthook`` and ``warnings.showwarning``, are there to be set): what a newcomer
    reads is what runs."""
    tricks = []
    for src in package_source.sources():
        path, nodes = src.path, src.nodes
        libraries = {
            a.asname or a.name.split(".")[0]
            for n in nodes
            if isinstance(n, ast.Import)
            for a in n.names
            if a.name.split(".")[0] not in sys.stdlib_module_names and not a.name.startswith("gitops_bot")
        }
        # a name bound to a library's class or function is that library too (cls = lib.Class)
        libraries |= {
            t.id
            for n in nodes
            if isinstance(n, ast.Assign | ast.AnnAssign) and _rooted_in(n.value, libraries)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name)
        }
        module = path.relative_to(PACKAGE.parent)  # once a module, not once a node (300,000)

        def where(node: ast.AST, module: Path = module) -> str:
            return f"{module}:{getattr(node, 'lineno', 0)}"

        for node in nodes:
            if isinstance(node, ast.Attribute) and node.attr in {"meta_path", "path_hooks"}:
                tricks.append(f"{where(node)} sys.{node.attr}")
            elif isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "gc":
                if node.attr in {"disable", "freeze"}:
                    tricks.append(f"{where(node)} gc.{node.attr}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"exec", "eval", "setattr"}:
                target = node.args[0] if node.args else None
                if getattr(node.func, "id", "") != "setattr" or _rooted_in(target, libraries):
                    tricks.append(f"{where(node)} {getattr(node.func, 'id', '')}()")
            elif isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                tricks += [
                    f"{where(node)} assigns into a library" for t in targets if _rooted_in(t, libraries)
                ]
    assert tricks == []


def _rooted_in(node: ast.expr | None, names: set[str]) -> bool:
    """``node`` is an attribute (at any depth) of one of the modules ``names``."""
    if not isinstance(node, ast.Attribute):
        return False
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in names


# What may be imported inside a function: a heavy optional library, or our module that wraps
# one (its cost is said where it is imported). Everything else is imported at the top.
LATE_IMPORTS = {
    "structlog",  # the log lines' renderers
    "truststore",  # macOS and Windows only
    "gitops_bot.trust.verifier",  # cryptography
    "gitops_bot.trust.keyless",  # sigstore (the keyless extra)
    "gitops_bot.forges.github.adapter",  # PyJWT and cryptography (a GitHub App's JWT)
    "botocore",  # a cloud registry's login (the aws extra)
    "google.auth",  # a cloud registry's login (the gcp extra)
    # httpx's objects (~10 % of a plan's start-up, with http.cookiejar, email, idna): a registry's
    # requests go on httpcore (net.transport); its refusals, redirects and token realms, and the
    # forges', gates' and notifications' clients, import it where they are made
    "httpx",
}


def test_imports_are_at_the_top_but_for_heavy_optional_libraries() -> None:
    late = []
    for src in package_source.sources():
        path = src.path
        for fn in src.nodes:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    names = {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom):
                    names = {f"{node.module}.{a.name}" for a in node.names} | {node.module or ""}
                else:
                    continue
                if not any(n == late or n.startswith(late + ".") for n in names for late in LATE_IMPORTS):
                    late.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {sorted(names)}")
    assert late == []
