"""Many releases' branches at once (issue 17): ``update`` on 1,000 environments whose open pull
requests already hold their change costs no git command per environment.

Per run the base's tree (one ``git ls-tree -r -t``), every bot branch's tip and tree (one
``git for-each-ref``) and the base's blobs of the environments' files (one ``git cat-file
--batch``) are read once. Each release's edits are made in memory by the same editors as in a
worktree, and the tree they give is hashed in Python (:mod:`gitops_bot.git.trees`): equal to
the branch's tree, the release is done. Only a release that changes its branch writes objects
(loose, no process), gets a ``git commit-tree`` and a place in one ``git push`` with a lease
per branch; a branch another bot moved meanwhile is retried on the new base with the usual
back-off.

Where the in-memory tree might not be the one ``git add`` would record (``.gitattributes``
filters or ``core.autocrlf``, a SHA-256 repository) or a release changes more than the
environment's own files (a hold, a freeze), :func:`Batch.open` or :meth:`Batch.push_branches` says so
and the release is delivered through the worktree as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core.errors import GitError, GitOpsBotError, PushRejected
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import ReleaseKind, WriteMode
from gitops_bot.core.record import record
from gitops_bot.engine.app import App
from gitops_bot.engine.edits import edit
from gitops_bot.git import gitbatch
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.race import RACE_DEADLINE, race_attempts
from gitops_bot.git.trees import BaseTree
from gitops_bot.release import next_step
from gitops_bot.release.proposal import Release

log = get_logger(__name__)
_REGULAR = ("100644", "100755")
# What a run computed over a base, kept for the next run over the same one: a watch delivers
# every cycle the releases of an unchanged repository whose branches already hold them, and
# listing the base's tree, reading its blobs and editing (rendering each release's diff with
# kubectl) was 45 % of its own CPU and two git processes a repository a cycle. One entry a
# store (its latest base tree, with the configuration it was read under); the least recently
# used store forgotten past KEPT_STORES, a store's releases past KEPT_RELEASES.
KEPT_STORES = 256
KEPT_RELEASES = 64
Staged = tuple[Release, dict[str, bytes]]  # a release as edited, and the files it writes


class _Kept:
    __slots__ = ("base", "config", "staged")

    def __init__(self, base: BaseTree, config: Config) -> None:
        self.base, self.config = base, config
        self.staged: list[tuple[str, Release, Staged]] = []  # (environment, release, staged)

    def find(self, env: str, rel: Release) -> Staged | None:
        return next((s for e, r, s in self.staged if e == env and r == rel), None)

    def keep(self, env: str, rel: Release, staged: Staged) -> None:
        self.staged.append((env, rel, staged))
        del self.staged[:-KEPT_RELEASES]


_kept: OrderedDict[Path, _Kept] = OrderedDict()
_kept_lock = threading.Lock()


@record
class Branch:
    """Where a release's branch stands: ``commit`` None when the release changes nothing;
    ``before`` the branch's commit before the run (None: it did not exist); ``pushed`` whether
    this run moved it (else it already held exactly this change)."""

    rel: Release
    commit: str | None
    before: str | None = None
    pushed: bool = False


# per release: its branch, the error that stopped it, or None: deliver it through the worktree
Result = Branch | GitOpsBotError | None


def commit_message(cfg: Config, rel: Release) -> str:
    return next_step.message(cfg.git, rel)


class Batch:
    """One run's view of the base and the bot's branches, for :meth:`push_branches`."""

    def __init__(self, ws: GitWorkspace, app: App, root: Path) -> None:
        self.ws, self.app, self.root = ws, app, root
        self.specs = app.declared.image_specs()
        self._blobs: dict[str, bytes] = {}
        self._read()

    @classmethod
    def open(cls, ws: GitWorkspace, app: App) -> Batch | None:
        """None when a tree computed here might differ from the one ``git add`` records."""
        if ws.worktree is None or not gitbatch.can_write_objects(ws):
            return None
        if (ws.store.config("core.autocrlf") or "false").lower() != "false":
            return None
        attributes = Path(ws.store.common_dir) / "info" / "attributes"
        if ws.store.config("core.attributesfile") is not None or attributes.exists():
            return None
        batch = cls(ws, app, ws.worktree)
        return None if batch.base.has_name(".gitattributes") else batch

    def _read(self) -> None:
        store, config = self.ws.store.common_dir, self.app.config
        with _kept_lock:
            kept = _kept.get(store)
        self.parent, self.base = gitbatch.base_tree(self.ws, kept.base if kept else None)
        if kept is None or kept.base is not self.base or kept.config != config:
            kept = _Kept(self.base, config)
        with _kept_lock:
            _kept[store] = kept
            _kept.move_to_end(store)
            while len(_kept) > KEPT_STORES:
                _kept.popitem(last=False)
        self.kept = kept
        self.tips = gitbatch.tips(self.ws, config.git.branch_prefix)

    def pull_requests(self, releases: Sequence[Release]) -> list[Result]:
        """:meth:`push_branches` of the releases whose environment writes pull requests; None
        (deliver through the worktree) for the others."""
        envs = [self.app.config.environment(r.environment) for r in releases]
        prs = [i for i, env in enumerate(envs) if env.write is WriteMode.PULL_REQUEST]
        results: list[Result] = [None] * len(releases)
        for i, result in zip(prs, self.push_branches([(envs[i], releases[i]) for i in prs]), strict=True):
            results[i] = result
        return results

    def push_branches(self, items: Sequence[tuple[EnvironmentConfig, Release]]) -> list[Result]:
        """Each release's branch made to hold the base plus its edits: untouched when it does
        already, else committed and pushed with the others in one push."""
        results: dict[int, Result] = {}
        pending = list(range(len(items)))
        prefix = self.app.config.git.branch_prefix
        for attempt in race_attempts():
            staged = self._stage({i: items[i] for i in pending})
            updates: dict[int, tuple[Release, gitbatch.RefUpdate]] = {}
            for i in pending:
                found = staged.get(i)
                if found is None:
                    results[i] = None
                    continue
                rel, files = found
                branch = rel.branch(prefix)
                tree, objects = self.base.with_files(files)
                tip = self.tips.get(branch)
                if not objects:
                    results[i] = Branch(rel, None)
                elif tip is not None and tip.tree == tree:
                    results[i] = Branch(rel, tip.sha, tip.sha)  # the branch holds exactly this change
                else:
                    gitbatch.write_objects(self.ws, objects)
                    updates[i] = (
                        rel,
                        gitbatch.RefUpdate(branch, self._commit(tree, rel), tip.sha if tip else None),
                    )
            pending = self._push(updates, results)
            if not pending:
                break
            log.info("push_rejected", branches=[updates[i][1].branch for i in pending], attempt=attempt)
            self.ws.fetch(self.ws.base, prefix)
            self.ws.checkout_base()  # the new base's blobs, fetched in one go in a partial clone
            self._read()
        else:
            for i in pending:
                branch = items[i][1].branch(prefix)
                results[i] = PushRejected(
                    f"branch {branch} kept moving; gave up after {RACE_DEADLINE:g} s of retries",
                    hint="run again",
                )
        return [results[i] for i in range(len(items))]

    def _commit(self, tree: str, rel: Release) -> str:
        cfg = self.app.config
        message = commit_message(cfg, rel)
        return gitbatch.commit_tree(
            self.ws, tree, self.parent, message, name=cfg.git.author_name, email=cfg.git.author_email
        )

    def _push(
        self, updates: Mapping[int, tuple[Release, gitbatch.RefUpdate]], results: dict[int, Result]
    ) -> list[int]:
        """Push ``updates``; records each pushed or failed one, returns the raced ones."""
        if not updates:
            return []
        pushed = gitbatch.push(self.ws, [u for _, u in updates.values()])
        raced = []
        for i, (rel, u) in updates.items():
            if u.branch in pushed.pushed:
                results[i] = Branch(rel, u.new, u.expected, pushed=True)
            elif u.branch in pushed.failed:
                results[i] = GitError(
                    f"git push failed: {u.branch}: {pushed.failed[u.branch]}",
                    hint="check the branch's protection rules and the token's permissions",
                )
            else:
                raced.append(i)
        return raced

    def _stage(self, items: Mapping[int, tuple[EnvironmentConfig, Release]]) -> dict[int, Staged]:
        """The in-memory edits of each release (by index), as repository path -> new content;
        a release left out is not one this batch can compute."""
        files: dict[int, dict[Path, str]] = {}  # the environment's files -> repository path
        seen: set[str] = set()
        out: dict[int, Staged] = {}
        for i, (env, rel) in items.items():
            branch = rel.branch(self.app.config.git.branch_prefix)
            bot_files = rel.holds or rel.kind is ReleaseKind.FREEZE  # files beyond the environment's
            if not (bot_files or branch in seen) and (kept := self.kept.find(env.name, rel)) is not None:
                out[i] = kept  # this base and configuration: the same files, the same edits
            else:
                found = None if bot_files or branch in seen else self._files(env)
                if found is not None:
                    files[i] = found
            seen.add(branch)  # two releases on one branch: the second through the worktree
        texts = self._texts({p for f in files.values() for p in f.values()})
        for i, paths in files.items():
            if not all(p in texts for p in paths.values()):
                continue
            env, asked = items[i]
            rel, written = edit(
                self.app, asked, self.root, {path: texts[p] for path, p in paths.items()}, self.specs
            )
            out[i] = (rel, {paths[path]: text.encode() for path, text in written.items()})
            self.kept.keep(env.name, asked, out[i])
        return out

    def _files(self, env: EnvironmentConfig) -> dict[Path, str] | None:
        """The environment's files and each one's path in the repository (a symlink's target,
        which is what an edit writes); None if one is not a regular file of the base."""
        root = self.root.resolve()
        out = {}
        for path in self.app.files(env):
            repo_path = path.resolve().relative_to(root).as_posix()
            entry = self.base.entry(repo_path)
            if entry is None or entry.mode not in _REGULAR:
                return None
            out[path] = repo_path
        return out

    def _texts(self, paths: set[str]) -> dict[str, str]:
        """The base's text of each path (one ``git cat-file --batch`` for the blobs not read
        yet); a path whose blob is not here or is not UTF-8 is left out."""
        oids = {p: e.oid for p in paths if (e := self.base.entry(p)) is not None}
        missing = [o for o in oids.values() if o not in self._blobs]
        self._blobs.update(self.ws.read_blobs(missing))
        out = {}
        for path, oid in oids.items():
            try:
                out[path] = self._blobs[oid].decode("utf-8")
            except (KeyError, UnicodeDecodeError):
                continue  # the worktree path reports it as it always has
        return out
