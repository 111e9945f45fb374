"""What an ApplicationSet's git generators read of this repository, as Argo CD's repo server
lists it: the directories matching a ``directories`` glob and the files matching a ``files``
glob, each file with its first document (its parameters)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.manifests import yamlvalues
from gitops_bot.manifests.argocd_appsets import MAX_APPLICATIONS
from gitops_bot.render.walk import MAX_FILES, Tree

_GLOB = "*?["
_PARAMETER_FILES = (".yaml", ".yml", ".json")  # what the generator parses; any other file fails it


def glob_dirs(tree: Tree, root: Path, pattern: str) -> list[str]:
    """The repository's directories matching a git generator's glob (``charts/*``), relative to
    ``root``, at most :data:`MAX_FILES` a step: Argo CD matches each directory of its walk of the
    checkout with Go's ``path.Match``, whose ``*`` stops at a ``/``, hidden ones skipped, and
    its walk takes a link to a directory for no directory (``apps/current -> v2`` is no app)."""
    parts = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    found = [root]
    for part in parts:
        found = [
            c
            for d in found
            for c in (tree.listing(d) if any(ch in part for ch in _GLOB) else [d / part])
            if not c.name.startswith(".")
            and tree.is_dir(c)
            and fnmatch.fnmatchcase(c.name, part)
            and tree.real(c) == tree.real(d) / c.name
        ][:MAX_FILES]
    return [Path(os.path.relpath(d, root)).as_posix() for d in found]


def glob_files(
    tree: Tree, root: Path, pattern: str, unread: list[tuple[Path, str]] | None = None
) -> list[tuple[str, object]]:
    """The files a git files generator reads for ``pattern``, each with its first document:
    Argo CD lists them with ``git ls-files -- <pattern>``, a pathspec whose ``*`` crosses ``/``
    (``env/*.yaml`` takes ``env/eu/prod.yaml`` too). Only the directory the pattern fixes
    before its first wildcard is walked, and at most :data:`MAX_FILES` files of it. ``unread``:
    where those there and not read are put (:meth:`Tree.unread`'s, or a file the parser
    refuses, as Argo CD's generator does) with why and the fix, for the reading to say."""
    want = os.path.normpath(pattern.strip("/"))
    parts = want.split("/")
    fixed = next((i for i, p in enumerate(parts) if any(ch in p for ch in _GLOB)), len(parts))
    top = root.joinpath(*parts[:fixed])
    paths = [root / want] if fixed == len(parts) else _files_under(tree, top, root, want)
    out: list[tuple[str, object]] = []
    for path in paths:
        rel = Path(os.path.relpath(path, root)).as_posix()
        if not _matches(rel, want):
            continue
        if (text := tree.text(path)) is None:
            if unread is not None and (why := tree.unread(path)) is not None:
                unread.append(why)
        elif isinstance(got := parameters(text, rel), Unparsed):
            if unread is not None:
                unread.append((path, got.why))
        else:
            out.append((rel, got))
    return out


@record
class Unparsed:
    """A generator file the parser refuses (not YAML, a key written twice, aliases past the
    bound): why, ending in the fix."""

    why: str


def not_yaml(error: Exception) -> str:
    """Why a YAML file the parser refuses is not read, in the parser's words, with the fix."""
    said = " ".join(str(error).split("; fix the file by hand")[0].split())[:200]
    return f"not YAML the bot can read ({said}); what it sets is not read: fix the YAML"


class _Parsed:
    """Each generator file's parameters, by its name and text: every ApplicationSet naming it,
    in every reading of a run (init's, its plan's, each environment's), asks again, and a 4 MB
    file of 90,000 elements took 30 s to parse, 27 times over in one init. Bounded by the text
    its entries were parsed from (a list's cut to what is kept of it), as the YAML parse cache is."""

    def __init__(self, most: int) -> None:
        self.most, self.held = most, 0
        self.items: OrderedDict[tuple[str, bytes], tuple[object, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, bytes]) -> tuple[object, int] | None:
        with self.lock:
            if (hit := self.items.get(key)) is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: tuple[str, bytes], got: object, weight: int) -> None:
        with self.lock:
            if key in self.items or weight > self.most:
                return
            self.items[key] = (got, weight)
            self.held += weight
            while self.held > self.most:
                self.held -= self.items.popitem(last=False)[1][1]


_parsed = _Parsed(16 * 1024 * 1024)


def parameters(text: str, rel: str) -> object:
    """The parameters a git files generator takes of the file ``rel`` holding ``text``: its first
    document ({} when empty), a list cut one past the Applications read of one file (those past
    it are said as that bound, never read); :class:`Unparsed` when it is no YAML or JSON the bot
    reads (Argo CD's generator fails on it)."""
    key = (rel, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    if (hit := _parsed.get(key)) is not None:
        return hit[0]
    got: object
    try:
        got = next(iter(yamlvalues.load_all(text, rel)), {})
    except GitOpsBotError as e:
        got = Unparsed(not_yaml(e))
    weight = len(text)
    if isinstance(got, list) and len(got) > MAX_APPLICATIONS + 1:
        weight = weight * (MAX_APPLICATIONS + 1) // len(got)
        got = got[: MAX_APPLICATIONS + 1]
    _parsed.put(key, got, weight)
    return got


def _matches(rel: str, want: str) -> bool:
    return rel.endswith(_PARAMETER_FILES) and fnmatch.fnmatchcase(rel, want)


def _files_under(tree: Tree, top: Path, root: Path, want: str) -> list[Path]:
    """The files below ``top`` matching ``want`` (hidden entries skipped, as the checkout's
    listing does), at most :data:`MAX_FILES` of them: past it, more Applications than the
    reading reads of one file, said as that bound. A link to a directory is not walked: git
    lists a link as the link alone, and two links back to their own directory never ended.
    Counting every file walked, not those matching, dropped a match walked after 5,000 others
    unsaid."""
    out: list[Path] = []
    stack = [top] if tree.is_dir(top) else []
    while stack and len(out) < MAX_FILES:
        here = stack.pop()
        real = tree.real(here)
        for entry in tree.listing(here):
            if entry.name.startswith("."):
                continue
            if tree.is_dir(entry):
                if tree.real(entry) == real / entry.name:
                    stack.append(entry)
            elif _matches(Path(os.path.relpath(entry, root)).as_posix(), want):
                out.append(entry)
    return sorted(out[:MAX_FILES])
