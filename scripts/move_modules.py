"""Move gitops_bot modules into packages and rewrite every reference to them: imports (a
``from gitops_bot import a, b`` is split where ``a`` moved), dotted names in strings (mock
targets), and file paths in docs and configs. Written for the package-by-question layout; run
once on a clean tree, then ``ruff check --fix`` (import order) and the whole suite.

usage: python scripts/move_modules.py .   (MAP below; a module it does not name stays put)
       python scripts/move_modules.py --rewrite OLD_REV FILE...
         rewrite only the references in FILEs (written against the layout of git revision
         OLD_REV, e.g. a branch merged after the move) to the new layout; moves nothing
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# old dotted module (relative to gitops_bot) -> new one. A package entry moves the package whole.
MAP: dict[str, str] = {
    # core: values and process-wide utilities
    "errors": "core.errors",
    "model": "core.model",
    "imageref": "core.imageref",
    "instants": "core.instants",
    "log": "core.log",
    "progress": "core.progress",
    "secret": "core.secret",
    "privdir": "core.privdir",
    "manifests.files": "core.files",
    # manifests: every file format and the YAML guards
    "yamlguard": "manifests.yamlguard",
    "yamlvalues": "manifests.yamlvalues",
    "manifests.result": "manifests.edit",
    # render: what the cluster would get (the real kubectl/helm, and the diff of two renders)
    "renderer": "render.tools",
    "manifests.render": "render.diff",
    # gate: whether a release is live and healthy
    "argocd": "gate.argocd",
    # release: decisions
    "plan": "release.planning",
    "release": "release.proposal",
    "promotion": "release.promotion",
    "history": "release.ledger",
    "holds": "release.holds",
    # engine: one run
    "app": "engine.app",
    "session": "engine.session",
    "batch": "engine.batch",
    "delivery": "engine.delivery",
    "ports": "engine.ports",
    "targeting": "engine.targeting",
    "stale": "engine.stale",
    "usecases.result": "engine.outcome",
    "usecases.preflight": "engine.preflight",  # the session runs it: the engine's, not a command
    # commands: one module per command, the fleet, the facade
    "usecases": "commands",
    "fleet": "commands.fleet",
    "writeback": "commands.updater",
}

NEW = "gitops_bot"  # marks rewritten names so no later pass rewrites them again
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".sh", ".cfg", ".ini", ".txt", ".json", ""}
SKIP_DIRS = {".git", ".venv", ".tools", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", "site"}


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(args, cwd=repo, check=True, capture_output=True, text=True).stdout


def modules(pkg: Path) -> set[str]:
    out = set()
    for p in pkg.rglob("*.py"):
        parts = p.relative_to(pkg).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            out.add(".".join(parts))
    return out


def new_name(old: str, known: set[str]) -> str | None:
    """The new dotted name (relative) of an old module, by the longest mapped prefix."""
    parts = old.split(".")
    for i in range(len(parts), 0, -1):
        head = ".".join(parts[:i])
        if head in MAP and head in known:
            return ".".join([MAP[head], *parts[i:]])
    return None


def rewrite_dotted(text: str, known: set[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        dotted = m.group(1)
        parts = dotted.split(".")
        # longest prefix that is a known module
        for i in range(len(parts), 0, -1):
            head = ".".join(parts[:i])
            if head in known:
                moved = new_name(head, known)
                if moved is None:
                    return m.group(0)
                return f"{NEW}." + ".".join([moved, *parts[i:]])
        return m.group(0)

    return re.sub(r"(?<![\w/])gitops_bot\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)", sub, text)


def rewrite_paths(text: str, known: set[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        rel = m.group(1)
        is_py = rel.endswith(".py")
        dotted = rel.removesuffix(".py").removesuffix("/").replace("/", ".")
        if dotted.endswith(".__init__"):
            return m.group(0)
        if dotted not in known:
            return m.group(0)
        moved = new_name(dotted, known)
        if moved is None:
            return m.group(0)
        tail = "/" if m.group(1).endswith("/") else ""
        return f"{NEW}/" + moved.replace(".", "/") + (".py" if is_py else tail)

    return re.sub(r"gitops_bot/([A-Za-z_][A-Za-z0-9_/]*(?:\.py|/)?)", sub, text)


FROM_PKG = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<base>gitops_bot(?:\.[A-Za-z_][A-Za-z0-9_]*)*) import "
    r"(?P<names>\([^)]*\)|[^\n#]+?)(?P<comment>[ \t]*#[^\n]*)?$",
    re.M,
)


def rewrite_from_imports(text: str, known: set[str]) -> str:
    """``from gitops_bot.pkg import mod, name`` where ``mod`` is a moved module: split it."""

    def sub(m: re.Match[str]) -> str:
        base = m.group("base")
        rel_base = base.removeprefix("gitops_bot").lstrip(".")
        raw = m.group("names").strip()
        paren = raw.startswith("(")
        items = [x.strip() for x in raw.strip("()").replace("\n", " ").split(",") if x.strip()]
        keep: list[str] = []
        lines: list[str] = []
        for item in items:
            name, _, alias = item.partition(" as ")
            name, alias = name.strip(), alias.strip()
            full = f"{rel_base}.{name}" if rel_base else name
            moved = new_name(full, known) if full in known else None
            if moved is None:
                keep.append(item)
                continue
            parent, _, leaf = moved.rpartition(".")
            parent_mod = f"{NEW}.{parent}" if parent else "gitops_bot"
            local = alias or name
            lines.append(f"from {parent_mod} import {leaf}" + (f" as {local}" if leaf != local else ""))
        if not lines:
            return m.group(0)
        comment = m.group("comment") or ""
        out = []
        if keep:
            new_base = base
            if rel_base and rel_base in known:
                nb = new_name(rel_base, known)
                if nb:
                    new_base = f"{NEW}." + nb
            joined = ", ".join(keep)
            out.append(f"from {new_base} import " + (f"({joined})" if paren and len(joined) > 80 else joined))
        out.extend(lines)
        ind = m.group("indent")
        return "\n".join(ind + line for line in out) + comment

    return FROM_PKG.sub(sub, text)


def rewrite_text(p: Path, known: set[str]) -> None:
    try:
        text = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return
    if "gitops_bot" not in text:
        return
    new = text
    if p.suffix == ".py":
        new = rewrite_from_imports(new, known)
    new = rewrite_dotted(new, known)
    new = rewrite_paths(new, known).replace(NEW, "gitops_bot")
    if new != text:
        p.write_text(new, encoding="utf-8")


def rewrite_only(old_rev: str, paths: list[str]) -> None:
    listing = sh(Path.cwd(), "git", "ls-tree", "-r", "--name-only", old_rev, "gitops_bot").split()
    known: set[str] = set()
    for name in listing:
        if not name.endswith(".py"):
            continue
        parts = Path(name).relative_to("gitops_bot").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            known.add(".".join(parts))
    for path in paths:
        rewrite_text(Path(path), known)


def main() -> None:
    if sys.argv[1] == "--rewrite":
        rewrite_only(sys.argv[2], sys.argv[3:])
        return
    repo = Path(sys.argv[1]).resolve()
    pkg = repo / "gitops_bot"
    known = modules(pkg)
    packages = {m for m in known if (pkg / m.replace(".", "/")).is_dir()}
    # 1. rewrite text everywhere (before moving, so `known` is the old layout)
    for p in repo.rglob("*"):
        if any(part in SKIP_DIRS for part in p.relative_to(repo).parts) or not p.is_file():
            continue
        if p.suffix not in TEXT_SUFFIXES and p.name not in {"Dockerfile"}:
            continue
        rewrite_text(p, known)
    # 2. move files (packages and modules), creating package __init__ files
    done: set[str] = set()
    for old in sorted(MAP, key=lambda k: -k.count(".")):
        if old not in known:
            continue
        new = MAP[old]
        src_dir, src_file = pkg / old.replace(".", "/"), pkg / (old.replace(".", "/") + ".py")
        is_pkg = old in packages
        src = src_dir if is_pkg else src_file
        dst = pkg / (new.replace(".", "/") + ("" if is_pkg else ".py"))
        parent = dst.parent
        parent.mkdir(parents=True, exist_ok=True)
        init = parent / "__init__.py"
        rel_parent = parent.relative_to(pkg)
        while str(rel_parent) != "." and not (pkg / rel_parent / "__init__.py").exists():
            (pkg / rel_parent / "__init__.py").write_text(f'"""{rel_parent.as_posix()}."""\n')
            sh(repo, "git", "add", str(pkg / rel_parent / "__init__.py"))
            rel_parent = rel_parent.parent
        del init
        if is_pkg and dst.exists():
            for child in src.iterdir():
                if child.name == "__pycache__":
                    continue
                sh(repo, "git", "mv", str(child), str(dst / child.name))
        else:
            sh(repo, "git", "mv", str(src), str(dst))
        done.add(old)
    print("moved:", ", ".join(sorted(done)))


if __name__ == "__main__":
    main()
