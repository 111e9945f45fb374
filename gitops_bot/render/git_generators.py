"""What an ApplicationSet's git generators read of this repository, as Argo CD's repo server
lists it: the directories matching a ``directories`` glob and the files matching a ``files``
glob, each file with its first document (its parameters)."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import yamlvalues
from gitops_bot.render.walk import MAX_FILES, Tree

_GLOB = "*?["
_PARAMETER_FILES = (".yaml", ".yml", ".json")  # what the generator parses; any other file fails it


def glob_dirs(tree: Tree, root: Path, pattern: str) -> list[str]:
    """The repository's directories matching a git generator's glob (``charts/*``), relative to
    ``root``, at most :data:`MAX_FILES` a step: Argo CD matches each directory with Go's
    ``path.Match``, whose ``*`` stops at a ``/``, hidden ones skipped."""
    parts = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    found = [root]
    for part in parts:
        found = [
            c
            for d in found
            for c in (tree.listing(d) if any(ch in part for ch in _GLOB) else [d / part])
            if not c.name.startswith(".") and tree.is_dir(c) and fnmatch.fnmatchcase(c.name, part)
        ][:MAX_FILES]
    return [Path(os.path.relpath(d, root)).as_posix() for d in found]


def glob_files(tree: Tree, root: Path, pattern: str) -> list[tuple[str, object]]:
    """The files a git files generator reads for ``pattern``, each with its first document:
    Argo CD lists them with ``git ls-files -- <pattern>``, a pathspec whose ``*`` crosses ``/``
    (``env/*.yaml`` takes ``env/eu/prod.yaml`` too). Only the directory the pattern fixes
    before its first wildcard is walked, and at most :data:`MAX_FILES` files of it."""
    want = os.path.normpath(pattern.strip("/"))
    parts = want.split("/")
    fixed = next((i for i, p in enumerate(parts) if any(ch in p for ch in _GLOB)), len(parts))
    paths = [root / want] if fixed == len(parts) else _files_under(tree, root.joinpath(*parts[:fixed]))
    out: list[tuple[str, object]] = []
    for path in paths:
        rel = Path(os.path.relpath(path, root)).as_posix()
        if not rel.endswith(_PARAMETER_FILES) or not fnmatch.fnmatchcase(rel, want):
            continue
        if (text := tree.text(path)) is None:
            continue
        try:
            out.append((rel, next(iter(yamlvalues.load_all(text, rel)), {})))
        except GitOpsBotError:
            continue  # Argo CD's generator fails on it; the reading of the file says why
    return out


def _files_under(tree: Tree, top: Path) -> list[Path]:
    """The files below ``top`` (hidden entries skipped, as the checkout's listing does), at most
    :data:`MAX_FILES`."""
    out: list[Path] = []
    stack = [top] if tree.is_dir(top) else []
    while stack and len(out) < MAX_FILES:
        for entry in tree.listing(stack.pop()):
            if entry.name.startswith("."):
                continue
            (stack if tree.is_dir(entry) else out).append(entry)
    return sorted(out[:MAX_FILES])
