"""Renders kept between runs by the content of what each render reads: a ``watch`` cycle or a
re-run over an unchanged repository renders nothing again (:func:`gitops_bot.render.tools.render_kept`
is the one place that reads and writes it)."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from gitops_bot.core import files
from gitops_bot.core.log import get_logger
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import reader
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings

log = get_logger(__name__)
_T = TypeVar("_T")


# rendered kustomizations kept between runs (newest first): a fleet's worth, as a watch over a
# hundred repositories renders several a repository each cycle (at 64 every cycle evicted the
# renders the next needed and rendered everything again)
CACHE_ENTRIES = 1024


class RenderCache:
    """Renders kept between runs, by the content of what each render may read (every file
    under the directory of each kustomization it builds, each side's edits over them), the
    directory and the tools: a ``watch`` cycle or a re-run over an open pull request renders
    nothing again, the "before" side of every release at one base (the same commit: the same
    content) is rendered once, and a file no render reads (gitops-bot.yaml as ``init --write``
    writes it, a README, another environment's overlay) changes no key. Only the
    directories in ``kept`` are: one whose kustomizations reach outside the tree (a remote
    base, Helm charts pulled at render time) may render differently with nothing here
    changing, and such a kustomization elsewhere in the tree does not stop the others."""

    def __init__(
        self,
        settings: RenderSettings,
        kubectl: str,
        root: Path,
        kept: set[str],
        max_output: int,
        loose: frozenset[str] = frozenset(),
    ) -> None:
        self.root = root
        self.kept = kept
        self.loose = loose  # built with no load restrictor, as Flux builds: they may read any file
        self.dir = files.cache_dir(os.environ) / "rendered"
        st = Path(kubectl).stat()
        self.tools = f"{kubectl}\0{st.st_size}\0{st.st_mtime_ns}\0{settings.helm}\0{max_output}"
        self._links: frozenset[str] = frozenset()
        self._base: Mapping[str, bytes] | None = None
        if kept:
            self._base, self._links = by_content(root, "digests", lambda: _digests_and_links(root))
        self._written = False  # a render put since the last trim

    def key(self, texts: Mapping[Path, str], name: str) -> str | None:
        """The key of directory ``name``'s render over the tree with ``texts`` written over it."""
        if self._base is None or name not in self.kept:
            return None
        tree = dict(self._base)
        for path, text in texts.items():
            tree[path.relative_to(self.root).as_posix()] = hashlib.sha256(text.encode()).digest()
        read = None if name in self.loose else self._read(texts, name)
        h = hashlib.sha256(f"{self.tools}\0{name}\0{name in self.loose}".encode())
        for rel in sorted(tree):
            if read is None or rel.startswith(read):
                h.update(rel.encode() + b"\0" + tree[rel])
        return h.hexdigest()

    def _read(self, texts: Mapping[Path, str], name: str) -> tuple[str, ...] | None:
        """The path prefixes of what kubectl kustomize may read for ``name``: the directory of
        each kustomization it builds (with the default load restrictor kustomize reads no file
        outside the directory of the kustomization naming it). None, the whole tree, where a
        link is in it: kustomize reads through a link to content hashed under another name
        (and a linked directory's files under none)."""
        if self._links:
            return None
        found = reader.reach(walks.disk_tree(self.root, texts), self.root, self.root / name)
        dirs = {self.root / name, *(p.parent for p in found.files if p.name in KUSTOMIZATION_NAMES)}
        rels = {d.relative_to(self.root).as_posix() for d in dirs}
        return ("",) if "." in rels else tuple(sorted(f"{rel}/" for rel in rels))

    def _path(self, key: str, name: str) -> Path:
        return self.dir / (hashlib.sha256(f"{key}\0{name}".encode()).hexdigest() + ".yaml")

    def get(self, key: str | None, name: str) -> str | None:
        if key is None or name not in self.kept:
            return None
        try:
            return self._path(key, name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str | None, name: str, output: str) -> None:
        if key is None or name not in self.kept:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            files.write_atomic(self._path(key, name), output)
            self._written = True
        except OSError as e:  # a cache that cannot be written costs a render next time, no more
            log.info("render_cache_unwritable", reason=str(e))

    def trim(self) -> None:
        """The newest :data:`CACHE_ENTRIES` renders kept, the older removed: once after a
        batch of :meth:`put` (a reading's renders), where each put listed and stat'ed the
        whole cache again (a full cache: 1,024 stats a render, 40 renders a 20-overlay plan)."""
        if not self._written:
            return
        self._written = False
        try:
            kept = sorted(self.dir.glob("*.yaml"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in kept[CACHE_ENTRIES:]:
                old.unlink(missing_ok=True)
        except OSError as e:
            log.info("render_cache_unwritable", reason=str(e))


# What a walk of a whole tree found, by the tree's root and the walk, kept with the commit its
# files were (walks.content): a watch reads the same commit of each repository every cycle, and
# each walk lists every directory and stats every file (the render cache's key and the links
# leading out, three of each a repository's cycle): a 100-repository watch's own CPU a cycle over
# the unchanged fleet 6.1 -> 4.5 s (medians). The least recently used dropped past the bound.
KEPT_WALKS = 512  # 256 repositories' two walks
_walked: OrderedDict[tuple[Path, str], tuple[str, object]] = OrderedDict()
_walked_lock = threading.Lock()


def by_content(root: Path, walk: str, make: Callable[[], _T]) -> _T:
    """``make()`` (the walk ``walk`` of the tree under ``root``), once per commit of the tree
    where the reading knows which commit its files are (:func:`~gitops_bot.render.walk.content`);
    made afresh every time where it does not. What it returns is shared: never changed."""
    content = walks.content(root)
    if content is None:
        return make()
    key = (root, walk)
    with _walked_lock:
        kept = _walked.get(key)
        if kept is not None and kept[0] == content:
            _walked.move_to_end(key)
            return kept[1]  # type: ignore[return-value]
    got = make()
    with _walked_lock:
        _walked[key] = (content, got)
        _walked.move_to_end(key)
        while len(_walked) > KEPT_WALKS:
            _walked.popitem(last=False)
    return got


def _digests_and_links(root: Path) -> tuple[dict[str, bytes] | None, frozenset[str]]:
    links: set[str] = set()
    return tree_digests(root, links), frozenset(links)


# root -> path -> (what its stat says, the digest of its content): each release of a run hashes
# only the files that changed since the last one (an edit is written atomically: a new inode),
# as git's index does; a tree of thousands of files is not read again for every release. Kept
# for the last _DIGEST_TREES trees (and _DIGEST_FILES files) only, each with only the files it
# holds now: a long-running watch over many repositories does not grow it.
_DIGESTS: OrderedDict[str, dict[str, tuple[tuple[int, int, int], bytes]]] = OrderedDict()
_DIGESTS_LOCK = threading.Lock()
_DIGEST_TREES = 256  # a fleet's trees (at 8, a watch over more hashed every tree each cycle)
_DIGEST_FILES = 200_000  # files kept over all of them at most (about 250 bytes each)


def tree_digests(root: Path, links: set[str] | None = None) -> dict[str, bytes] | None:
    """Every file's content digest under ``root`` but ``.git`` (a symlink: its target's name),
    by path under ``root``; None when one cannot be read. ``links``: filled with the path of
    each symbolic link met, to a file or a directory (a linked directory is not entered)."""
    with _DIGESTS_LOCK:
        known = _DIGESTS.pop(str(root), {})
    now: dict[str, tuple[tuple[int, int, int], bytes]] = {}
    found: dict[str, bytes] = {}
    under = len(os.path.join(root, ""))  # a path under root less this is its relative path
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        if links is not None:
            links.update(
                os.path.join(dirpath, d)[under:] for d in dirnames if os.path.islink(os.path.join(dirpath, d))
            )
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
                stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
                seen = known.get(path)
                if seen is not None and seen[0] == stamp:
                    digest = seen[1]
                else:
                    data = os.readlink(path).encode() if stat.S_ISLNK(st.st_mode) else Path(path).read_bytes()
                    digest = hashlib.sha256(data).digest()
                if links is not None and stat.S_ISLNK(st.st_mode):
                    links.add(path[under:])
            except OSError:
                return None
            now[path] = (stamp, digest)
            found[path[under:]] = digest
    with _DIGESTS_LOCK:
        _DIGESTS[str(root)] = now
        while len(_DIGESTS) > 1 and (
            len(_DIGESTS) > _DIGEST_TREES or sum(map(len, _DIGESTS.values())) > _DIGEST_FILES
        ):
            _DIGESTS.popitem(last=False)
    return found
