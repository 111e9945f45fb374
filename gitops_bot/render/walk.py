"""What a reading walks: the repository's files (:class:`Tree`, bounded to it), an
environment as the configuration gives it (:class:`Source`), and one environment's walk
(:class:`Walk`): what it reads, in the order its tool applies it, and each place found."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field
from enum import Enum
from pathlib import Path
from typing import Protocol, TypeVar

from gitops_bot.core import files, privdir
from gitops_bot.core.errors import GitOpsBotError, NotYaml
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import (
    PinKind,
)
from gitops_bot.core.record import record
from gitops_bot.git import branch_tree
from gitops_bot.manifests import images, kustomize_refs

YAML_SUFFIXES = (".yaml", ".yml")
_WORD = re.compile(r"[\w][\w.\-/]*")  # a repository as written, its tag and digest left off
# a template generator's token (kubefirst's <WORKLOAD_CLUSTER_NAME>), in a file YAML only once filled
TEMPLATE_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]{2,}>")
_NOT_YAML = "not YAML the bot can read ({}); what it sets is not read: fix the YAML"
MAX_FILES = 5000  # files read per environment at most: a path at the repository's root stops there
MAX_DEPTH = 64  # kustomizations nested at most (a cycle is cut at once; this bounds a chain)


# an image a chart's template writes whole (``image: nginx:1.27``): helm renders it as written
class Tree(Protocol):
    """The file access the reader needs: texts and listings, under one root."""

    def text(self, path: Path) -> str | None:
        """The file's text; None when it is no readable file inside the root."""

    def is_dir(self, path: Path) -> bool: ...

    def listing(self, path: Path) -> list[Path]:
        """The directory's entries, sorted."""

    def real(self, path: Path) -> Path:
        """``path`` with its links resolved within the root (itself when it leads out or loops)."""

    def check(self, path: Path) -> None:
        """Refuse (a usage error naming it) a path that is there but leads out of the root:
        what an environment's path names is the config's, and must stay in the repository."""

    def unread(self, path: Path) -> tuple[Path, str] | None:
        """Why ``path``, there, was read as no file (a file over the bound, not text, or a
        symbolic link on the way leading out of the root), with the fix, and the path it is
        said of (the link, when one is on the way); None: it is not there, or it was read.
        The reading notes it: a file not read is never "not rendered", nor skipped unsaid."""


class DiskTree:
    """The repository on disk; nothing outside ``root`` (symlinks resolved) is read, no file
    past :data:`~gitops_bot.git.branch_tree.MAX_BLOB` bytes (the bound of a branch's file), and
    each file is read once. ``under``: the tree of the same root without ``texts``, whose
    reads and real paths this one shares for every file it does not write over."""

    _own: frozenset[Path]  # the paths of ``texts``
    _reals: files.Reals

    def __init__(
        self,
        root: Path,
        texts: Mapping[Path, str] | None = None,
        content: str | None = None,
        under: DiskTree | None = None,
        reals: files.Reals | None = None,
    ) -> None:
        self.given = root  # the reader's paths are built on it
        self._under = under if under is not None and under.given == root and not under._own else None
        if reals is None or reals.given != root:
            reals = self._under._reals if self._under is not None else files.Reals(root)
        self._reals = reals
        self.root = self._reals.root
        # the commit the files under root are exactly (nothing changed, added or ignored), when
        # the caller knows it: what is read of the whole tree is kept per content (deploy_tools)
        self.content = None if texts else content
        # ``texts``: files as edited (path -> text), read instead of the disk's
        self._texts: dict[Path, str | None] = dict(texts or {})
        self._own = frozenset(self._texts)
        self._unread: dict[Path, tuple[Path, str] | None] = {}  # a file not read -> why

    def inside(self, path: Path) -> bool:
        return self._reals.inside(path)

    def text(self, path: Path) -> str | None:
        if path not in self._texts:
            if self._under is not None:
                return self._under.text(path)
            text = None
            if self.inside(path) and path.is_file():
                try:
                    with path.open(encoding="utf-8", newline="") as f:
                        size = os.fstat(f.fileno()).st_size
                        # characters read: never fewer than the bytes (a file growing meanwhile)
                        text = f.read(branch_tree.MAX_BLOB + 1) if size <= branch_tree.MAX_BLOB else None
                    if text is None or len(text) > branch_tree.MAX_BLOB:
                        text, self._unread[path] = None, (path, branch_tree.over_bound(size))
                except UnicodeDecodeError:
                    self._unread[path] = (path, branch_tree.NOT_TEXT)
                except OSError as e:
                    why = f"cannot be read ({e.strerror}); what it sets is not read: make it readable"
                    self._unread[path] = (path, why)
            self._texts[path] = text
        return self._texts[path]

    def unread(self, path: Path) -> tuple[Path, str] | None:
        if self._under is not None and path not in self._own:
            return self._under.unread(path)
        if path not in self._unread:
            self._unread[path] = None if self.inside(path) else self._link_out(path)
        return self._unread[path]

    def _link_out(self, path: Path) -> tuple[Path, str] | None:
        """The first symbolic link on ``path`` (below the root) whose target is outside it, or
        that never ends (a loop: ``a -> b``, ``b -> a``)."""
        for base in (self.given, self.root):
            try:
                parts = path.relative_to(base).parts
            except ValueError:
                continue
            here = base
            for part in parts:
                here = here / part
                if here.is_symlink() and not self.inside(here):
                    target = os.readlink(here)
                    if self._reals.of(here) is None:
                        return here, branch_tree.loop(target)
                    return here, branch_tree.link_out(target)
            return None
        return None

    def is_dir(self, path: Path) -> bool:
        return self.inside(path) and path.is_dir()

    def real(self, path: Path) -> Path:
        """``path`` with its links resolved, under the root the reader's paths are built on
        (itself when it leads nowhere inside)."""
        real = self._reals.of(path) if self.inside(path) else None
        return self.given / real.relative_to(self.root) if real is not None else path

    def listing(self, path: Path) -> list[Path]:
        try:
            return sorted(path.iterdir())
        except OSError:
            return []

    def check(self, path: Path) -> None:
        # a link loop is read as no file and said as such (unread), not refused as leading out
        there = path.is_symlink() or path.exists()
        if there and self._reals.of(path) is not None and not self.inside(path):
            files.inside(self.root, path)  # refused in its own words


# One reading's trees and walks, shared by all that ask them while it runs (the reading held to
# the render, its marked render, the render's size budget, the joint render's choice): the
# repository does not change while it is read, so each (tree, directory) is walked once, where
# 20 overlays were walked 160 times. Dropped when the reading ends; bounded all the same (past
# it, a tree or walk is made afresh, as without a reading).
MAX_KEPT = 1024
_T = TypeVar("_T")
# Walks of the files as they are at a commit the reading's caller named (no text over them) are
# kept by it across readings: a watch reads each repository's same commit every cycle, and its
# overlays' walks (reader.reach, the render's fields) were a tenth of a cycle's own CPU. The
# least recently used forgotten past MAX_ACROSS (a fleet's hundred repositories walk a few each).
MAX_ACROSS = 4096
_across: OrderedDict[tuple[object, ...], object] = OrderedDict()
_across_lock = threading.Lock()


@record(frozen=False, slots=False)
class _Reading:
    """What one reading shares between its askers: trees, walks and copies."""

    trees: dict[tuple[Path, tuple[tuple[Path, str], ...]], DiskTree] = field(default_factory=dict)
    owned: set[int] = field(default_factory=set)  # id() of the trees above, alive while it is
    reals: dict[Path, files.Reals] = field(default_factory=dict)  # root -> its paths' real places
    kept: dict[tuple[object, ...], object] = field(default_factory=dict)
    # a private copy of a repository its renders are done with (root -> the copy, and the files
    # written over it), for the reading's next render to take instead of copying the tree again
    spares: dict[Path, tuple[Path, frozenset[Path]]] = field(default_factory=dict)
    # root -> the commit its files are exactly (nothing changed, added or ignored), when the
    # reading's caller knows it: what is walked of the whole tree is kept by it across readings
    contents: dict[Path, str] = field(default_factory=dict)


_READING: contextvars.ContextVar[_Reading | None] = contextvars.ContextVar("one_reading", default=None)


@contextlib.contextmanager
def one_reading(root: Path | None = None, content: str | None = None) -> Iterator[None]:
    """What runs inside shares one reading's trees and walks (:func:`disk_tree`,
    :func:`kept`); inside another, it is that one's. ``content``: the commit the files under
    ``root`` are exactly, when the caller knows it (:func:`content`)."""
    if _READING.get() is not None:
        yield
        return
    token = _READING.set(reading := _Reading())
    if root is not None and content is not None:
        reading.contents[root] = content
    try:
        yield
    finally:
        _READING.reset(token)
        for copy, _ in reading.spares.values():
            shutil.rmtree(copy.parent, ignore_errors=True)


def content(root: Path) -> str | None:
    """The commit the files under ``root`` are exactly, as the reading's caller said; None
    outside a reading, or where it was not said."""
    reading = _READING.get()
    return None if reading is None else reading.contents.get(root)


def disk_tree(root: Path, texts: Mapping[Path, str] | None = None) -> DiskTree:
    """The repository under ``root`` with ``texts`` written over it: in a reading, the one
    tree its askers share (each file read once, and a tree with texts reads the others through
    the one without), else a fresh one."""
    reading = _READING.get()
    if reading is None:
        return DiskTree(root, texts)
    key = (root, tuple(sorted((texts or {}).items())))
    tree = reading.trees.get(key)
    if tree is None:
        tree = DiskTree(root, texts, under=disk_tree(root) if texts else None, reals=_reals(reading, root))
        if len(reading.trees) < MAX_KEPT:
            reading.trees[key] = tree
            reading.owned.add(id(tree))
    return tree


def _reals(reading: _Reading, root: Path) -> files.Reals:
    got = reading.reals.get(root)
    if got is None:
        got = files.Reals(root)
        if len(reading.reals) < MAX_KEPT:
            reading.reals[root] = got
    return got


def real(root: Path, path: Path) -> Path | None:
    """``path`` with every link resolved (as :meth:`Path.resolve`), in a reading from its real
    places under ``root`` (each directory looked at once); None when a link on it loops."""
    reading = _READING.get()
    return files.resolved(path) if reading is None else _reals(reading, root).of(path)


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, links resolved, is ``root`` or under it (a link loop: not); in a
    reading from its real places under ``root``."""
    reading = _READING.get()
    return (files.Reals(root) if reading is None else _reals(reading, root)).inside(path)


def kept(tree: Tree, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
    """``make()``, once per reading for ``key`` of a tree of the reading (:func:`disk_tree`), once
    per commit for a commit's files: it depends on nothing but the tree and the key (its root's)."""
    reading = _READING.get()
    if reading is None or id(tree) not in reading.owned:
        return make()
    full = (id(tree), *key)
    if full in reading.kept:
        return reading.kept[full]  # type: ignore[return-value]
    commit = reading.contents.get(tree.given) if isinstance(tree, DiskTree) and not tree._own else None
    across = (commit, *key)  # each key names its root
    with _across_lock:
        got = _across.get(across) if commit is not None else None
        if got is not None:
            _across.move_to_end(across)
    if got is None:
        got = make()
        if commit is not None:
            with _across_lock:
                _across[across] = got
                while len(_across) > MAX_ACROSS:
                    _across.popitem(last=False)
    reading.kept[full] = got
    if len(reading.kept) > MAX_KEPT:
        del reading.kept[full]
    return got  # type: ignore[return-value]


def spare(root: Path) -> tuple[Path, frozenset[Path]] | None:
    """The reading's spare copy of ``root`` (see :func:`keep_spare`), taken: the copy, and the
    files written over it; None outside a reading or when it has none."""
    reading = _READING.get()
    return None if reading is None else reading.spares.pop(root, None)


def keep_spare(root: Path, copy: Path, written: frozenset[Path]) -> None:
    """``copy`` (a copy of ``root`` in the private dir, ``written`` over it, that nothing else
    changed) moved aside for the reading's next render of ``root``; left where it is (and
    removed with its render's directory) outside a reading, or when the reading has one."""
    reading = _READING.get()
    if reading is None or root in reading.spares:
        return
    aside = Path(tempfile.mkdtemp(prefix="spare-", dir=privdir.path(outside=root))) / "tree"
    try:
        os.rename(copy, aside)
    except OSError:
        shutil.rmtree(aside.parent, ignore_errors=True)
        return
    reading.spares[root] = (aside, written)


@record
class Source:
    """An environment as the configuration gives it."""

    name: str
    paths: tuple[str, ...]  # relative to the config file's directory
    images: tuple[str, ...]  # the configured images to read there
    applications: tuple[str, ...] = ()  # the Argo CD Applications the config says deploy it


@functools.lru_cache(maxsize=1 << 16)
def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, POSIX-style: asked for every file each reading reads, and
    a history reads the same files in each of its states."""
    return Path(os.path.relpath(path, root)).as_posix()


@functools.lru_cache(maxsize=1 << 16)
def joined(directory: Path, entry: str) -> Path:
    """A kustomization's entry as the path it names (``..`` resolved lexically): each
    of a base's hundreds of resources, asked again in every state of a history."""
    return Path(os.path.normpath(directory / entry))


# the form of a place whose value the editor does not write in place
IN_PLACE_REFUSED = "value with an anchor, alias, tag or block style"
APPSET_TEMPLATE = "ApplicationSet template value"  # a place every Application it generates takes
APPSET_SHARED = "ApplicationSet generator value"  # a place several Applications it generates take


@record
class Found:
    """An image's pin found in a file, with where kustomize applies it."""

    file: str
    site: images.Site
    kind: PinKind
    rank: int  # applied later when higher: kustomize's order of building
    editable: bool
    form: str
    root: int = 0  # which of the environment's paths renders it (each its own objects)
    under: tuple[str, ...] = ()  # the kustomizations it is built in, outermost first
    # why it changes nothing when rendered (a patch whose target selects nothing built): said,
    # never the effective place
    misses: str = ""
    unit: int = -1  # the deployer unit it is read in (Walk.units)


class NoteKind(Enum):
    """What a note tells its readers, so none of them parses the sentence back."""

    READ = "read"  # what was read and how (a value file of an Application, which one chosen)
    REMOTE = "remote"  # a resource or patch at a remote address: not followed, never fetched
    UNFOLLOWED = "unfollowed"  # something else it names that is not here (a path, a chart)
    UNREAD = "unread"  # there, and not read (size, encoding, a link out): said with its fix


@record
class Note:
    """One thing a walk says of a file: words only where it is printed (``str``)."""

    file: str
    why: str
    kind: NoteKind = NoteKind.READ
    # the kustomization naming it (a remote resource's): what else that one file pins
    by: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.file}: {self.why}"

    @property
    def followed(self) -> bool:
        """Whether what it names was read: a render of what names it needs what was not."""
        return self.kind is NoteKind.READ


@record
class Elsewhere:
    """An Application rendering the environment from another branch than the bot reads."""

    application: str
    branch: str
    base: str

    def __str__(self) -> str:
        return f"{self.application} renders branch {self.branch}; the bot reads {self.base}"


@record(frozen=False, slots=False)
class Walk:
    """One environment's walk: what it reads, in the order its tool applies it."""

    files: dict[str, None] = field(default_factory=dict)  # rendered, in reading order
    configured: dict[str, None] = field(default_factory=dict)  # named by its paths
    layers: list[str] = field(default_factory=list)  # its own kustomization files
    values: list[str] = field(default_factory=list)  # its own Helm values files
    value_roots: list[int] = field(default_factory=list)  # the rendering of each (as ``values``)
    found: list[Found] = field(default_factory=list)
    # ApplicationSet files whose Applications it read -> each value's line other Applications take too
    appsets: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    # what it renders that was there and not read (Tree.unread), each naming it with its fix:
    # what the plan says of the environment (EnvironmentReading.said); among ``notes`` too
    said: list[str] = field(default_factory=list)
    # of those, what the environment renders (a resource, a patch, a values file, a directory
    # entry that may be YAML): (file, why ending in ": <fix>") -> the units reading it. Those units'
    # reading is then not whole: nothing of them is released (render.missing.scope_unread)
    incomplete: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    capped: bool = False  # it reached the files read of one environment (MAX_FILES): said once
    root: int = 0  # the rendering being read: each path, each generated Application its own objects
    env: Source | None = None  # the environment read (of the Applications a chart yields, its own)
    roots: int = 0  # renderings started
    # deployer unit (a path, an Application, a Flux Kustomization) -> the unit it is read in (-1: none)
    units: dict[int, int] = field(default_factory=dict)
    unit: int = -1  # the one read: Argo CD and Flux fail one alone, so a refusal blocks its own
    refused_in: dict[str, set[int]] = field(default_factory=dict)
    read_in: dict[str, set[int]] = field(default_factory=dict)  # file -> the units reading it

    def built_objects(self, krel: str, text: Callable[[str], str | None]) -> list[tuple[str, str]] | None:
        """The kinds and names of what ``krel`` builds (``text``: a file's, by its path); None
        when a file of it is no plain list of named objects. Asked once a kustomization."""
        if krel not in self.objects:
            out: list[tuple[str, str]] | None = []
            for rel in self.built.get(krel, ()):
                found = kustomize_refs.objects(got, rel) if (got := text(rel)) is not None else None
                if found is None or out is None:
                    out = None
                    break
                out += found
            self.objects[krel] = out
        return self.objects[krel]

    def next_root(self) -> None:
        self.root, self.roots = self.roots, self.roots + 1

    @contextlib.contextmanager
    def entered(self, *, root: bool = True) -> Iterator[None]:
        """A deployer unit of its own read inside (``root``: a rendering of its own, :meth:`next_root`)."""
        outer, self.unit = self.unit, len(self.units)
        self.units[self.unit] = outer
        self.next_root() if root else None
        try:
            yield
        finally:
            self.unit = outer

    def past_files(self, rel: str) -> None:
        """``rel`` is there, and as many files as the bot reads of one environment are read:
        said once, as that bound (the first file past it named); the reading is not whole, so
        nothing of the environment is released."""
        self.unsure.update(self.stack)
        if not self.capped:
            self.capped = True
            self.not_whole(
                rel,
                f"past the {MAX_FILES:,} files the bot reads of one environment, with every file after it; "
                f"what they set is not read: keep what the environment renders under {MAX_FILES:,} files "
                "(several objects to a file)",
            )

    def past_depth(self, rel: str) -> None:
        """Kustomizations nested deeper than the bot follows: said as that bound."""
        self.unsure.update(self.stack)
        self.not_whole(
            rel,
            f"nested past the {MAX_DEPTH} kustomizations the bot follows; what it sets is not read: nest "
            f"the environment's kustomizations fewer than {MAX_DEPTH} deep",
        )

    def not_whole(self, rel: str, why: str) -> None:
        if (rel, why) not in self.incomplete:
            self.said.append(f"{rel}: {why}")
            self.notes.append(Note(rel, why, NoteKind.UNREAD))
        self.incomplete.setdefault((rel, why), set()).add(self.unit)

    def unparsed(self, rel: str, error: str, text: str, specs: Iterable[images.ImageSpec]) -> None:
        """``rel``, a manifest of a directory kubectl applies (``apply -f DIR``), does not
        parse: kubectl says it and applies the others, so it is said and left out. Where a word
        of it names an image asked about (``busybox:1.35`` in a line the parser lost), what it
        sets may be a version of that image: the reading is then not whole, nothing released."""
        why = _NOT_YAML.format(error)
        if tokens := list(dict.fromkeys(TEMPLATE_TOKEN.findall(text)))[:3]:
            # a template's file (kubefirst's <CERT_MANAGER_ISSUER_ANNOTATION_1>): YAML once the
            # tool copying it fills the tokens, so the YAML is no fault to fix here
            why = (
                f"YAML only once another tool fills its tokens ({', '.join(tokens)}), not read "
                "(nothing to fix here): run the bot in the repository that tool renders it into"
            )
        asked = {s.repository_key for s in specs if s.repository_key}
        if any(WrittenRef(w).location in asked for w in set(_WORD.findall(text))):
            self.not_whole(rel, why)
        elif f"{rel}: {why}" not in self.said:
            self.said.append(f"{rel}: {why}")
            self.note(rel, why, NoteKind.UNREAD)

    def unread_deeper(self, rel: str, e: GitOpsBotError) -> None:
        """``rel``, deeper in a directory read whole, read as neither manifest nor template: one
        not YAML is said as a file of the directory itself is (:meth:`unparsed`)."""
        self.note(rel, f"not read ({e})", NoteKind.UNREAD)
        if isinstance(e, NotYaml) and (said := f"{rel}: {_NOT_YAML.format(e.message)}") not in self.said:
            self.said.append(said)

    def refuse(self, reason: str, fix: str) -> None:
        """Its tool would refuse to render it: ``reason`` (naming the file), with ``fix``."""
        if reason not in self.fixes:
            self.refused.append(reason)
            self.fixes[reason] = fix
        self.refused_in.setdefault(reason, set()).add(self.unit)

    def note(self, file: str, why: str, kind: NoteKind = NoteKind.READ, by: str = "") -> None:
        self.notes.append(Note(file, why, kind, by))

    @property
    def remote(self) -> tuple[str, ...]:
        """The remote resources and patches it names (never fetched)."""
        return tuple(n.file for n in self.notes if n.kind is NoteKind.REMOTE)

    @property
    def unfollowed(self) -> bool:
        """Whether it names something not here (remote, or missing): a render would need it."""
        return any(n.kind in (NoteKind.REMOTE, NoteKind.UNFOLLOWED) for n in self.notes)

    def own_values(self, *files: str) -> None:
        """Values files that are the environment's own layer in the rendering being read."""
        self.values += files
        self.value_roots += [self.root] * len(files)

    def helm_reads(self, rel: str) -> str:
        """``"values"`` for one of its own values files helm reads (a HelmRelease is a manifest,
        which Flux's kustomize reads), else ``""``: how the reader reads the file."""
        return "values" if rel in self.values and rel not in self.releases else ""

    def release_values(self, rel: str, name: str) -> None:
        """HelmRelease ``name``'s ``spec.values`` in ``rel``: the environment's own values layer."""
        self.own_values(rel)
        self.releases.add(rel)
        self.release_names[rel] = f"HelmRelease/{name}"

    def values_patch(self, rel: str, text: str, misses: str) -> None:
        """A strategic-merge patch of a HelmRelease's ``spec.values`` (an overlay's values of the
        HelmRelease its base holds): merged over the base's values, so the overlay's own layer,
        where a release adds the image's keys (the marked render proves it takes them)."""
        if not misses and (name := kustomize_refs.release_values(text, rel)):
            self.release_values(rel, name)

    stack: list[str] = field(default_factory=list)  # the kustomizations being built
    refused: list[str] = field(default_factory=list)  # why the tool would refuse to render it
    unread: list[str] = field(default_factory=list)  # what it renders that cannot be read, and why
    # rendered from another branch than the bot reads
    elsewhere: list[Elsewhere] = field(default_factory=list)
    # charts it deploys from a chart repository (an Argo CD Application of an external chart):
    # what they render is no file here, so an image it does not render is another's, not misnamed
    charts: list[str] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)  # file -> its own Application, of several
    subcharts: dict[str, str] = field(default_factory=dict)  # a subchart's values -> its parent's key
    releases: set[str] = field(default_factory=set)  # its values layers that are HelmReleases
    release_names: dict[str, str] = field(default_factory=dict)  # of ``releases``: HelmRelease/name
    generated: dict[str, str] = field(default_factory=dict)  # file read -> the tool generating it
    fixes: dict[str, str] = field(default_factory=dict)  # a refusal -> its fix, when not the usual
    missing: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # render/missing
    # (file, line) of an Argo CD Application's own setting over a values file its path names ->
    # what it sets over which file, and why it wins (render/chart_values)
    overriding: dict[tuple[str, int], str] = field(default_factory=dict)
    # kustomization -> the resource files it builds (through everything it includes), what its
    # patches select from; ``unsure``: those whose built names the files do not tell whole
    built: dict[str, list[str]] = field(default_factory=dict)
    # kustomizations whose images: rename another name to a configured image, and each one's
    # images reaching its images: while one of them is built (render/entry_reach)
    renaming: set[str] = field(default_factory=set)
    reaching: dict[str, set[str]] = field(default_factory=dict)
    unsure: set[str] = field(default_factory=set)
    objects: dict[str, list[tuple[str, str]] | None] = field(default_factory=dict)  # of ``built``
    # kustomization -> the patches applied in its build so far (its nested ones' too): a JSON
    # 6902 operation is checked against its target's file only while none has changed it
    patched: dict[str, int] = field(default_factory=dict)
    # image name -> (template, line, reference as written) writing it whole in a chart template
    # YAML only once rendered (its {{ if }} lines): where the image is, though no version is read
    # there
    templated: dict[str, list[tuple[str, int, WrittenRef]]] = field(default_factory=dict)
