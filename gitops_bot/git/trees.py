"""Git object ids computed in Python: what tree a commit of the base plus some edited files
would record, without a worktree, an index or a git process.

``update`` at 1,000 environments compares, per environment, the tree its edits would give with
the tree the bot's branch already holds; when they are equal nothing is done for it. Hashing
here makes that comparison free: a blob's id is ``sha1("blob <size>\\0" + data)``, a tree's is
``sha1("tree <size>\\0" + entries)`` with each entry ``<mode> <name>\\0<20-byte id>``, sorted by
name as git sorts them (a directory's name compared as if it ended in ``/``). The base's
directories are read once (``git ls-tree -r -t``); an edit re-hashes only the directories on
its files' paths, the rest are the base's own ids.

Names are ``str`` decoded with ``surrogateescape``, so a file name that is not UTF-8 survives
the round trip byte for byte (as :func:`os.fsencode` does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from gitops_bot.core.record import record

TREE = "40000"  # the mode git writes for a directory in a tree object (ls-tree shows 040000)
FILE = "100644"


@record
class TreeEntry:
    mode: str  # as written in the tree object: 100644, 100755, 120000, 160000, 40000
    oid: str  # hex


@record
class GitObject:
    """A loose object's type and content (the header is added when it is hashed or written)."""

    kind: str  # blob, tree, commit
    data: bytes

    @property
    def oid(self) -> str:
        return object_id(self.kind, self.data)


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data, usedforsecurity=False).hexdigest()


def blob_id(data: bytes) -> str:
    return object_id("blob", data)


def _sort_key(item: tuple[str, TreeEntry]) -> bytes:
    name = _encode(item[0])
    return name + b"/" if item[1].mode == TREE else name


def tree_data(entries: Mapping[str, TreeEntry]) -> bytes:
    """The content of a tree object holding ``entries`` (name -> entry)."""
    return b"".join(_entry_data(name, e) for name, e in sorted(entries.items(), key=_sort_key))


def _entry_data(name: str, e: TreeEntry) -> bytes:
    return b"%s %s\0%s" % (e.mode.encode(), _encode(name), bytes.fromhex(e.oid))


def _encode(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class BaseTree:
    """A commit's whole tree, directory by directory, read once."""

    def __init__(self, oid: str, dirs: dict[str, dict[str, TreeEntry]]) -> None:
        self.oid = oid
        self._dirs = dirs  # "" is the root; "a/b" a directory; each maps name -> entry
        self._pieces: dict[str, tuple[list[bytes], dict[str, int]]] = {}  # see _tree_data

    @classmethod
    def parse(cls, oid: str, ls_tree: bytes) -> BaseTree:
        """From ``git ls-tree -r -t -z --full-tree`` output of the tree ``oid``."""
        dirs: dict[str, dict[str, TreeEntry]] = {"": {}}
        for line in ls_tree.split(b"\0"):
            if not line:
                continue
            meta, _, raw_path = line.partition(b"\t")
            mode, _, oid_hex = meta.decode("ascii").split(" ")
            path = _decode(raw_path)
            parent, _, name = path.rpartition("/")
            mode = mode.lstrip("0") if mode.startswith("04") else mode
            dirs.setdefault(parent, {})[name] = TreeEntry(mode, oid_hex)
            if mode == TREE:
                dirs.setdefault(path, {})
        return cls(oid, dirs)

    def has_name(self, name: str) -> bool:
        """Whether any directory holds an entry called ``name`` (``.gitattributes``)."""
        return any(name in entries for entries in self._dirs.values())

    def entry(self, path: str) -> TreeEntry | None:
        parent, _, name = path.rpartition("/")
        return self._dirs.get(parent, {}).get(name)

    def with_files(self, files: Mapping[str, bytes]) -> tuple[str, list[GitObject]]:
        """The id of this tree with each of ``files`` (repository path -> content) written: an
        existing file keeps its mode, a new one is a regular file (its directories created as
        needed); and every blob and tree that is new, for writing when the tree is committed."""
        changed: dict[str, dict[str, TreeEntry]] = {}  # directory -> its entries that change
        objects: list[GitObject] = []
        for path, data in files.items():
            blob = GitObject("blob", data)
            old = self.entry(path)
            if old is not None and old.mode == TREE:
                raise ValueError(f"{path} is a directory in the base tree")
            if old is not None and old.oid == blob.oid:
                continue
            objects.append(blob)
            parent, _, name = path.rpartition("/")
            self._dir(changed, parent)[name] = TreeEntry(old.mode if old else FILE, blob.oid)
        if not changed:
            return self.oid, []
        for path in sorted(changed, key=lambda d: -d.count("/") if d else 1):  # deepest first, root last
            tree = GitObject("tree", self._tree_data(path, changed[path]))
            objects.append(tree)
            if path:
                parent, _, name = path.rpartition("/")
                self._dir(changed, parent)[name] = TreeEntry(TREE, tree.oid)
        return objects[-1].oid, objects

    def _dir(self, changed: dict[str, dict[str, TreeEntry]], path: str) -> dict[str, TreeEntry]:
        """The changes to directory ``path``, with an entry for it in each directory above."""
        if path not in changed:
            if path not in self._dirs and path and self.entry(path) is not None:
                raise ValueError(f"{path} is a file in the base tree")
            changed[path] = {}
            if path:
                self._dir(changed, path.rpartition("/")[0])
        return changed[path]

    def _tree_data(self, path: str, changes: Mapping[str, TreeEntry]) -> bytes:
        """Directory ``path`` of the base with ``changes``: the base's sorted entries with the
        changed ones spliced in when no name is added (1,000 environments under one directory
        are sorted once, not once per release), else sorted afresh."""
        base = self._dirs.get(path, {})
        if all(n in base and (base[n].mode == TREE) == (e.mode == TREE) for n, e in changes.items()):
            pieces, index = self._sorted(path)
            spliced = list(pieces)
            for name, e in changes.items():
                spliced[index[name]] = _entry_data(name, e)
            return b"".join(spliced)
        return tree_data({**base, **changes})

    def _sorted(self, path: str) -> tuple[list[bytes], dict[str, int]]:
        if path not in self._pieces:
            items = sorted(self._dirs[path].items(), key=_sort_key)
            self._pieces[path] = (
                [_entry_data(n, e) for n, e in items],
                {n: i for i, (n, _) in enumerate(items)},
            )
        return self._pieces[path]
