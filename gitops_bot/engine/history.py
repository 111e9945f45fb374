"""What an environment has run and runs: the base's log of its releases (``gitops-bot history``,
rollbacks, the automatic decisions), the charts that make part of them, and what its files
deploy now (promotions and rollbacks start from it). Read-only."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.model import Deployed
from gitops_bot.core.reading import EnvironmentReading, PinKind
from gitops_bot.engine import branches
from gitops_bot.engine.app import App
from gitops_bot.forges.registry import own_forge
from gitops_bot.git.gitlog import History
from gitops_bot.release import ledger as history_mod
from gitops_bot.render import reader

if TYPE_CHECKING:  # the use case is handed a session; reading history needs no forge or signer
    from gitops_bot.engine.session import Session
    from gitops_bot.manifests import images
    from gitops_bot.manifests.charts import ChartSpec  # the chart readers load only for charts


def history(
    s: Session, environment: str, *, limit: int | None = None, ws: History | None = None
) -> list[history_mod.Entry]:
    """The environment's releases on the base, or on its own branch (``branch:``), newest
    first (``limit``: at most that many), read through ``ws`` (the session's store by default)."""
    env = s.app.config.environment(environment)
    rev = branches.log_ref(s.app, env, s.ws.base_ref)
    reader, rev = (ws, rev) if ws is not None else _reader(s, rev)
    return read(s.app, env, reader, rev, s.root, limit=limit, forge=own_forge(s.app.config, s.ws.url))


def read_together(s: Session, environments: Sequence[str]) -> None:
    """The histories of ``environments`` on the base, each read later by whoever asks (a
    person's changes of a promotion's target, the releases of its source), all read by the
    first question in one ``git log``, ``ls-tree``, ``rev-list`` and ``cat-file`` of every
    file each reads (:meth:`Checkout.expect`), not in four processes each."""
    try:
        checkout = s.app.checkout
        for name in environments:
            env = s.app.config.environment(name)
            reader, rev = _reader(s, branches.log_ref(s.app, env, s.ws.base_ref))
            if reader is checkout:
                paths = s.app.repo_paths(env, s.root)
                rendered = _Rendered.of(s.app, env, checkout, rev, s.root, paths)
                checkout.expect(rev, [*paths, *(rendered.paths if rendered is not None else ())])
    except GitOpsBotError:
        pass  # each history says so when it is read


def _reader(s: Session, rev: str) -> tuple[History, str]:
    """Where the session reads ``rev``'s history: the base's through the run's checkout (the
    session's worktree, over the same objects), by the commit the base is, where a person's
    changes were read (its HEAD is that commit, until the session commits): one ``git log``,
    ``ls-tree``, ``rev-list`` and ``cat-file`` of every expected environment's files (a
    promotion's source and target), where the store was asked the source's again (five git
    processes a promotion). Another ref (an environment's own branch) through the store."""
    commit = s.ws.remote_refs().get(rev, ("", ""))[0] if rev == s.ws.base_ref else ""
    if not commit or s.ws.repo_at(s.root) is None:
        return s.ws, rev
    try:
        return s.app.checkout, commit
    except GitOpsBotError:
        return s.ws, rev


def read(
    app: App,
    env: EnvironmentConfig,
    ws: History,
    rev: str,
    root: Path,
    *,
    limit: int | None = None,
    forge: str | None = None,
) -> list[history_mod.Entry]:
    """The releases of ``env`` on ``rev`` of the repository at ``root``, newest first: each
    version read as the environment rendered it at that commit (the one reader's effective
    pins), so a version it inherited before its first release into its own layer, or one an
    Argo CD Application sets, is what ran before. ``forge``: the repository's own, whose merge
    subjects name a release's pull request first."""
    paths = app.repo_paths(env, root)
    rendered = _Rendered.of(app, env, ws, rev, root, paths)
    return history_mod.read(
        ws,
        rev,
        paths,
        app.declared.image_specs(),
        limit=limit,
        charts=chart_specs(app, env),
        rendered=rendered,
        documents=chart_documents(app, env, root),
        chart_context=app.chart_context(env),
        forge=forge,
    )


def chart_documents(app: App, env: EnvironmentConfig, root: Path) -> dict[str, str | tuple[str, ...]]:
    """Of each file holding several environments' Argo CD Applications (by its path under
    ``root``), the environment's own: its chart versions are that Application's alone (or, of
    an ApplicationSet, those of the generated Applications its config names)."""
    owned = {**dict(app.reading(env).documents), **app.chart_documents(env)}
    return {(app.config.root / f).relative_to(root).as_posix(): doc for f, doc in owned.items()}


def chart_specs(app: App, env: EnvironmentConfig) -> list[ChartSpec]:
    """The charts whose versions make part of the environment's releases (every history
    reader asks for the same, so plan's and update's automatic decisions agree)."""
    specs = app.declared.chart_specs()
    return [specs[c.name] for c in app.config.charts if not env.charts or c.name in env.charts]


def deployed(app: App, environment: str) -> dict[str, Deployed]:
    """What the environment's files deploy, by image name."""
    env = app.config.environment(environment)
    return {t.image.name: t.deployed for t in app.targets(env) if t.deployed is not None}


def _image_set(reading: EnvironmentReading | None) -> history_mod.ImageSet:
    """The images an environment renders, each at its effective place (what ``deployed`` and
    ``plan`` read)."""
    out: history_mod.ImageSet = {}
    for r in reading.images if reading is not None else ():
        if (pin := r.effective) is not None:
            out[r.image] = Deployed(r.image, pin.repository, pin.tag, pin.digest)
    return out


class _Rendered:
    """Each version of an environment read as it rendered then: the one reader over the files
    it renders, as a state of the history had them (the rest of the tree as the base has it).

    Used only where reading the files a release may write, one by one, misses what the
    environment runs: a version set (now or before its first own-layer release) in a file it
    shares (a base, a component, a common values file), in a patch the bot does not edit, or
    by an Argo CD Application or Flux object. Elsewhere the ledger's own reading by entries
    stays (a year of a 1,000-image overlay reads in seconds; the reader composes each version
    whole). Each distinct state is read once; states with the same blobs share one set."""

    def __init__(
        self, app: App, env: EnvironmentConfig, ws: History, rev: str, root: Path, paths: list[str]
    ) -> None:
        self.app, self.env, self.ws, self.rev, self.root = app, env, ws, rev, root
        self.paths = paths
        self._texts: dict[str, str | None] = {}  # blob -> text (None: not UTF-8)
        # an environment on its own branch: the rest of the tree as that branch has it
        self.branch = branches.branch_of(app, env)
        self._disk = _Disk(root, paths, branches.tree(app, self.branch) if self.branch else None)
        self._sets: dict[tuple[str | None, ...], history_mod.ImageSet] = {}

    @classmethod
    def of(
        cls, app: App, env: EnvironmentConfig, ws: History, rev: str, root: Path, writable: list[str]
    ) -> _Rendered | None:
        """The reader's history of ``env``, or None where its writable files alone tell it."""
        now = app.reading(env)
        config = app.config.root
        mine = set(writable)

        def repo(rel: str) -> str:
            return Path(os.path.relpath(config / rel, root)).as_posix()

        needed = any(
            repo(p.file) not in mine
            or p.kind in (PinKind.ARGOCD, PinKind.FLUX, PinKind.PATCH)
            or not p.editable
            for r in now.images
            for p in r.pins
        )
        if not needed:
            return None
        paths = list(dict.fromkeys([*writable, *(repo(f) for f in now.rendered)]))
        return cls(app, env, ws, rev, root, [p for p in paths if not p.startswith("../")])

    def load(self, states: Sequence[Mapping[str, str]]) -> None:
        todo = {b for state in states for b in state.values() if b not in self._texts}
        for blob, data in self.ws.read_blobs(sorted(todo), self.rev, self.paths).items():
            try:
                self._texts[blob] = data.decode("utf-8")
            except UnicodeDecodeError:
                self._texts[blob] = None

    def image_set(self, state: Mapping[str, str]) -> history_mod.ImageSet:
        key = tuple(state.get(p) for p in self.paths)
        got = self._sets.get(key)
        if got is None:
            tree = _StateTree(self._disk, state, self._texts)
            try:
                reading = self.app.read_tree(tree, self.branch).get(self.env.name)
            except UsageError:
                reading = None  # a version its tool could not render (broken YAML): no images
            got = self._sets[key] = _image_set(reading)
        return got


class _Disk:
    """The base's files on disk, read once for all the states of one history: the reader
    asks each state for the same directories and files (a path resolved and listed anew for
    each was most of a thousand states' time)."""

    def __init__(self, root: Path, tracked: Sequence[str], tree: reader.Tree | None = None) -> None:
        self.given = root  # the reader's paths are built on it (the disk tree's root is resolved)
        self.tree = tree or reader.DiskTree(root)
        self.tracked = set(tracked)
        self._rels: dict[Path, str] = {}
        self._dirs: dict[Path, bool] = {}
        self._listings: dict[Path, list[Path]] = {}
        # what a state holds depends only on which tracked files it has (most states: the same)
        self._state_dirs: dict[frozenset[str], frozenset[str]] = {}
        self._state_listings: dict[tuple[frozenset[str], Path], list[Path]] = {}
        # the parses of each text the reader was served, for every state (reader._sites)
        self.sites: dict[tuple[str, str, bool, str], list[images.Site]] = {}

    def rel(self, path: Path) -> str:
        got = self._rels.get(path)
        if got is None:
            got = self._rels[path] = Path(os.path.relpath(path, self.given)).as_posix()
        return got

    def is_dir(self, path: Path) -> bool:
        if path not in self._dirs:
            self._dirs[path] = self.tree.is_dir(path)
        return self._dirs[path]

    def listing(self, path: Path) -> list[Path]:
        if path not in self._listings:
            self._listings[path] = self.tree.listing(path)
        return self._listings[path]

    def dirs_of(self, present: frozenset[str]) -> frozenset[str]:
        """The directories holding the tracked files ``present`` in a state."""
        got = self._state_dirs.get(present)
        if got is None:
            got = self._state_dirs[present] = frozenset(
                str(parent) for p in present for parent in PurePosixPath(p).parents
            )
        return got

    def listing_of(self, present: frozenset[str], path: Path) -> list[Path]:
        """``path``'s entries in a state holding the tracked files ``present``: the base's,
        less the tracked files the state lacks, plus those it has."""
        key = (present, path)
        got = self._state_listings.get(key)
        if got is None:
            rel = self.rel(path)
            here = {p for p in self.listing(path) if (r := self.rel(p)) not in self.tracked or r in present}
            prefix = "" if rel == "." else rel + "/"
            for p in present:
                if p.startswith(prefix):
                    here.add(path / p[len(prefix) :].split("/")[0])
            got = self._state_listings[key] = sorted(here)
        return got


class _StateTree:
    """The repository with the environment's rendered files as one state of its history had
    them (absent where that state has none); every other file as the base has it."""

    def __init__(self, disk: _Disk, state: Mapping[str, str], texts: Mapping[str, str | None]) -> None:
        self.disk = disk
        self._state = {p: texts.get(b) for p, b in state.items()}
        self._present = frozenset(state)
        self.sites = disk.sites  # the reader keeps its parses here, for every state

    def text(self, path: Path) -> str | None:
        rel = self.disk.rel(path)
        if rel in self.disk.tracked:
            return self._state.get(rel)
        return self.disk.tree.text(path)

    def is_dir(self, path: Path) -> bool:
        return self.disk.is_dir(path) or self.disk.rel(path) in self.disk.dirs_of(self._present)

    def listing(self, path: Path) -> list[Path]:
        return self.disk.listing_of(self._present, path)

    def check(self, path: Path) -> None:
        self.disk.tree.check(path)

    def real(self, path: Path) -> Path:
        return self.disk.tree.real(path)

    def unread(self, path: Path) -> tuple[Path, str] | None:
        # a rendered file's text is the state's; every other file is the base's
        return None if self.disk.rel(path) in self.disk.tracked else self.disk.tree.unread(path)
