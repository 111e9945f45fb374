"""Environments whose files live on a branch of their own (``branch:``, one branch per
environment, as an Argo CD Application's ``targetRevision`` renders them): which branch each
is on, and their reading by the one reader over that branch's tree.

Each branch is read on its own: a place is a file on a branch, so a file of the same path on
the base and on an environment's branch is two places, and only the environments on one
branch can share a place there. What is on the base is read from the checkout as before.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files, instants, privdir
from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.engine.declared import Declared
from gitops_bot.git import branch_tree
from gitops_bot.git.branch_tree import BranchTree, branch_ref, prefix_of
from gitops_bot.git.gitlog import Checkout, History
from gitops_bot.release import holds as holds_mod
from gitops_bot.render import reader

if TYPE_CHECKING:  # a type here: a plan writes no pull request, and does not load their writer
    from gitops_bot.release.proposal import Release


class AppView(Protocol):
    """What of :class:`gitops_bot.engine.app.App` the branches are read with (a protocol: the
    app reads its environments through this module)."""

    git: History | None
    trees: dict[str, reader.Tree]

    @property
    def checkout(self) -> Checkout: ...

    @property
    def config(self) -> Config: ...

    @property
    def declared(self) -> Declared: ...

    @property
    def root(self) -> Path: ...

    def read_tree(self, tree: reader.Tree, branch: str | None = None) -> dict[str, EnvironmentReading]: ...

    def files(self, env: EnvironmentConfig) -> list[Path]: ...


# a release's edits and its holds land together on the environment's branch; a freeze is the
# bot's own switch beside the configuration, on the base
_ON_OWN_BRANCH = (ReleaseKind.UPDATE, ReleaseKind.PROMOTION, ReleaseKind.ROLLBACK, ReleaseKind.HOLD)


def base_name(app: AppView) -> str | None:
    """The branch the checkout's own files are of (git.base, else the fetched or checked-out
    branch)."""
    return app.config.git.base or app.declared.base


def base_names(app: AppView) -> tuple[str, ...]:
    """Every name the checkout's own files go by, :func:`base_name` first: an Application
    tracking any of them renders these files."""
    names = (app.config.git.base, app.declared.base, *app.declared.also)
    return tuple(dict.fromkeys(n for n in names if n))


def branch_of(app: AppView, env: EnvironmentConfig) -> str | None:
    """The branch ``env``'s files live on when it is not the base's (None: the base)."""
    return env.branch if env.branch is not None and env.branch != base_name(app) else None


def lands_on(app: AppView, env: EnvironmentConfig, rel: Release) -> str | None:
    """The branch a release for ``env`` lands on when not the base: its images' releases and
    its holds go to its own branch; a freeze stays on the base."""
    return branch_of(app, env) if rel.kind in _ON_OWN_BRANCH else None


def head(app: AppView, env: EnvironmentConfig) -> str:
    """The commit ``env`` runs, in the checkout: its own branch's, else the checkout's HEAD."""
    own = branch_of(app, env)
    return rev(app, own) if own else "HEAD"


def log_ref(app: AppView, env: EnvironmentConfig, base_ref: str) -> str:
    """Where a session reads ``env``'s releases: its own branch as fetched, else the base."""
    own = branch_of(app, env)
    return f"refs/remotes/origin/{own}" if own else base_ref


def on(app: AppView, branch: str | None) -> list[EnvironmentConfig]:
    """The environments whose files are on ``branch`` (None: the base)."""
    return [e for e in app.config.environments if branch_of(app, e) == branch]


def own_branches(app: AppView) -> list[str]:
    """The environments' own branches, each once, in the configuration's order."""
    return list(dict.fromkeys(b for e in app.config.environments if (b := branch_of(app, e)) is not None))


def history_of(app: AppView) -> History:
    """The git store the branches are read from: the session's (fetched), else the checkout's
    (the run's one view of it)."""
    return app.git if app.git is not None else app.checkout


def rev(app: AppView, branch: str) -> str:
    """The commit ``branch`` names: the remote's, as the session's fetch brought it (a local
    checkout's remote-tracking branch, else its own branch of that name)."""
    return branch_ref(history_of(app), branch)


def tree(app: AppView, branch: str) -> reader.Tree:
    """``branch``'s files as the reader reads them, under the checkout's root (listed once a run)."""
    if branch not in app.trees:
        history = history_of(app)
        app.trees[branch] = BranchTree(history, branch_ref(history, branch), app.root)
    return app.trees[branch]


def texts(app: AppView, env: EnvironmentConfig) -> dict[Path, str]:
    """The text of each file a release for ``env`` may edit (``App.files``, by its path under
    the checkout's root), from where the one reader read it: ``env``'s own branch's tree when
    it has one (the checkout's disk holds the base's copy there, often stale), else the disk."""
    own = branch_of(app, env)
    if own is None:
        return {path: files.read_text(path) for path in app.files(env)}
    on_branch = tree(app, own)
    out: dict[Path, str] = {}
    for path in app.files(env):
        text = on_branch.text(path)
        if text is None:
            raise UsageError(
                f"{path.relative_to(app.root).as_posix()} on branch {own} is not a file the bot reads",
                hint=f"see 'gitops-bot plan' for what it says of {env.name}",
            )
        out[path] = text
    return out


@contextlib.contextmanager
def on_disk(app: AppView, branch: str) -> Iterator[Path]:
    """``branch``'s files written out in the process's private directory (the root a tool that
    reads a directory, kubectl kustomize, renders): through a temporary index of its own, so
    neither the checkout's index nor its working tree is touched. Removed on exit."""
    history = history_of(app)
    inner = prefix_of(app.root)  # the checkout's root within its top level (--repo a folder)
    with tempfile.TemporaryDirectory(prefix="branch-", dir=privdir.path()) as tmp:
        env = {**history.env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        history.store.run("read-tree", rev(app, branch), env=env, what="read-tree")
        out = Path(tmp) / "tree"
        out.mkdir()
        # a work tree named for this command alone: a session's store is bare
        history.store.run(f"--work-tree={out}", "checkout-index", "-a", env=env, what="checkout-index")
        yield Path(tmp) / "tree" / inner


def holds(app: AppView) -> holds_mod.Holds:
    """The holds of every environment: the base's holds file's, and an environment on its own
    branch the same file's there (a rollback's hold is committed with its edit, on that branch)."""
    base = app.declared.holds
    own = own_branches(app)
    if not own:
        return base
    out = {name: held for name, held in base.items() if name not in {e.name for b in own for e in on(app, b)}}
    path = holds_mod.path_for(app.config.root)
    for branch in own:
        on_branch = tree(app, branch)
        text = on_branch.text(path)
        if text is None and (unread := on_branch.unread(path)) is not None:  # never read as no hold
            _, why = unread
            raise UsageError(
                f"{branch}:{path.relative_to(app.root).as_posix()}: {why}",
                hint="the holds there are not known; nothing was released",
            )
        found = holds_mod.parse(text, f"{branch}:{path.relative_to(app.root).as_posix()}") if text else {}
        out.update({e.name: found[e.name] for e in on(app, branch) if e.name in found})
    return out


def read_every(app: AppView, base_tree: reader.Tree) -> dict[str, EnvironmentReading]:
    """Every environment: those on the base from ``base_tree``, each other branch's from its
    own tree; read from a local checkout (no session fetched it), each such reading says which
    commit of the branch it read, and as fetched when (:func:`as_fetched`)."""
    out = _base_read(app, base_tree)
    for branch in own_branches(app):
        read = app.read_tree(tree(app, branch), branch)
        if app.git is None:
            said = as_fetched(branch_tree.fetched(history_of(app), branch), app.declared.clock())
            read = {name: replace(r, said=(said, *r.said)) for name, r in read.items()}
        out.update(read)
    return out


# The base's rules' reading, kept for the next run over the same files: a watch's cycle over an
# unchanged repository read every overlay again (a fifth of its own CPU) to find the readings kept
# by that reading (render.rendered_reading.proven). Kept where the checkout's files are one commit
# exactly (its status says nothing changed, added or ignored: DiskTree.content); the reading's
# other inputs are the key: the configuration (the images' specs with it), the names the
# checkout's files go by (the remote's default branch among them) and the deploy tools found.
# One entry a checkout, the least recently used forgotten past KEPT_READINGS.
KEPT_READINGS = 256
_kept: OrderedDict[Path, tuple[tuple[object, ...], dict[str, EnvironmentReading]]] = OrderedDict()
_kept_lock = threading.Lock()


def _base_read(app: AppView, base_tree: reader.Tree) -> dict[str, EnvironmentReading]:
    content = base_tree.content if isinstance(base_tree, reader.DiskTree) else None
    if content is None:
        return app.read_tree(base_tree)
    tools = app.config.render
    key = (content, app.config, base_names(app), tools.tool("kubectl"), tools.tool("helm"))
    with _kept_lock:
        got = _kept.get(app.root)
        if got is not None and got[0] == key:
            _kept.move_to_end(app.root)
            return dict(got[1])
    out = app.read_tree(base_tree)
    with _kept_lock:
        _kept[app.root] = (key, dict(out))
        _kept.move_to_end(app.root)
        while len(_kept) > KEPT_READINGS:
            _kept.popitem(last=False)
    return out


def as_fetched(got: branch_tree.Fetched, now: datetime) -> str:
    """What a local plan says of the branch it read: the remote's branch as the checkout's
    last fetch left it (``update`` fetches first, and may read a newer commit), or the local
    branch of that name when none was fetched; with the fix, the fetch that reads it anew."""
    b, commit = got.branch, got.commit[:12]
    fix = f"git fetch origin {b}"
    if not got.remote:
        return (
            f"branch {b}: read the local branch {b} at {commit} (no origin/{b} fetched); update reads "
            f"the remote's: to plan what it holds, {fix}"
        )
    if got.at is None:
        when = "as last fetched (git kept no time of it)"
    else:
        when = f"as fetched {instants.format_instant(got.at)} ({_ago(now - got.at)})"
    return (
        f"branch {b}: read origin/{b} at {commit}, {when}; update fetches it first: to plan what the "
        f"remote holds now, {fix}"
    )


def _ago(span: timedelta) -> str:
    """``3h12m ago``: to the minute within a day, to the hour past it."""
    if span < timedelta(minutes=1):
        return "under a minute ago" if span >= -timedelta(minutes=1) else "ahead of this machine's clock"
    unit = timedelta(hours=1) if span >= timedelta(days=1) else timedelta(minutes=1)
    return f"{instants.format_duration(span // unit * unit)} ago"


def placed(readings: dict[str, EnvironmentReading], branch: str) -> dict[str, EnvironmentReading]:
    """The readings of environments on ``branch``, each pin naming it."""
    return {
        name: replace(
            r,
            images=tuple(replace(i, pins=tuple(replace(p, branch=branch) for p in i.pins)) for i in r.images),
        )
        for name, r in readings.items()
    }
