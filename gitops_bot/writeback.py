"""``gitops-bot update``: plan, edit, and propose (the orchestration of write-back).

Part of the app layer with :mod:`gitops_bot.app`: it wires the plan, the byte-exact editors,
the git workspace and the pull-request API, and nothing below it knows about the others.

Idempotence comes from three deterministic things: the branch name (from the environment and,
when grouping by image, the image), the tree (the base plus the plan's edits) and the PR text
(from the release value). A second run finds the remote branch holding the same tree and the
open PR holding the same title and body, and changes nothing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import git

from gitops_bot import batch as batch_mod
from gitops_bot import config as config_mod
from gitops_bot import history as history_mod
from gitops_bot import holds as holds_mod
from gitops_bot import notify, promotion, targeting
from gitops_bot.app import App
from gitops_bot.batch import Branch
from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.errors import GateClosed, GitOpsBotError, PushRejected, UsageError
from gitops_bot.events import Push
from gitops_bot.log import get_logger, redact
from gitops_bot.manifests import files, images
from gitops_bot.model import (
    EnvironmentPlan,
    ImageRef,
    OutcomeAction,
    PlanAction,
    PlanItem,
    ReleaseKind,
    WriteMode,
)
from gitops_bot.registry import RegistryPool
from gitops_bot.release import Change, Release, slug
from gitops_bot.scm import forges, github_commits
from gitops_bot.scm.forge import ChangeRequest, Forge, kind_from_url
from gitops_bot.scm.git import RACE_DEADLINE, Workspace, auth_env, is_url, race_attempts
from gitops_bot.scm.github import GitHub, repository_from_url
from gitops_bot.trust import signing

log = get_logger(__name__)
T = TypeVar("T")
BATCH_CHUNK = 100  # releases whose branches are pushed together before their pull requests


@dataclass
class _Session:
    """One run's workspace (fetched, a worktree at the base), app and forge connection."""

    ws: Workspace
    app: App
    root: Path  # the worktree
    forge: tuple[Forge, dict[str, ChangeRequest]] | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one release; feeds the summary, JSON output and the Action."""

    environment: str
    changes: tuple[Change, ...]
    action: OutcomeAction
    branch: str | None = None
    url: str | None = None
    commit: str | None = None
    release_id: str | None = None
    title: str | None = None
    body: str | None = None
    diff: str | None = None
    warnings: list[str] = field(default_factory=list)
    write: WriteMode = WriteMode.PULL_REQUEST  # the environment's write mode
    kind: ReleaseKind = ReleaseKind.UPDATE

    def _would(self) -> dict[str, Any]:
        return {"title": self.title, "body": self.body, "diff": self.diff}

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "action": self.action,
            "release": self.release_id,
            "branch": self.branch,
            "pull_request": self.url,
            "commit": self.commit,
            "kind": self.kind,
            "images": [
                {
                    "image": c.image,
                    "from": {"tag": c.from_tag, "digest": c.from_digest},
                    "to": {"tag": c.to_tag, "digest": c.to_digest},
                    "files": list(c.files),
                    "verification": c.verification.to_json() if c.verification else None,
                }
                for c in self.changes
            ],
            "warnings": self.warnings,
            # a dry run carries what it would publish, for the Action's log
            **(self._would() if self.action is OutcomeAction.DRY_RUN else {}),
        }


def cache_dir(environ: Mapping[str, str]) -> Path:
    """Where clones of ``--repo URL`` are kept between runs (a volume in a container)."""
    if environ.get("GITOPS_BOT_CACHE"):
        return Path(environ["GITOPS_BOT_CACHE"])
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitops-bot"


class Updater:
    def __init__(
        self,
        repo: str,
        *,
        config_path: str | None = None,
        environ: Mapping[str, str] | None = None,
        pool: RegistryPool | None = None,
        base: str | None = None,
    ) -> None:
        self.repo = repo
        self.config_path = config_mod.config_in_repo(repo, config_path, is_url=is_url(repo))
        self.environ = dict(os.environ if environ is None else environ)
        self._pool = pool
        self._base = base
        self.registry_requests: Counter[str] = Counter()  # by status, over this updater's runs
        self._via_api: GitHub | None = None  # git.signing github-api: commits made by GitHub
        self.config: Config | None = None  # the last config read (watch's webhooks use it)
        self._active: RegistryPool | None = None

    def abort(self) -> None:
        """Abandon the registry requests of the running session (SIGTERM in ``watch``): they only
        read, so nothing is left half-done; a release being delivered is still finished."""
        if self._active is not None:
            self._active.abort()

    def run(
        self,
        env_names: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        should_stop: Callable[[], bool] = lambda: False,
        pushes: Sequence[Push] | None = None,
    ) -> list[Outcome]:
        """``gitops-bot update``: one release per environment (or image) from the plan.
        ``should_stop`` is asked before each release: a release is delivered whole (push and
        pull request) or not at all, so stopping never leaves a half-pushed branch.
        ``pushes`` (a webhook's targeted cycle): plan only what they concern."""
        return self._session(
            self._reported(
                "update", dry_run, lambda s: self._update(s, env_names, dry_run, should_stop, pushes)
            ),
            sign=not dry_run,
        )

    def promote(
        self,
        source: str,
        target: str,
        *,
        images: Sequence[str] = (),
        force: bool = False,
        skip_gate: bool = False,
        dry_run: bool = False,
    ) -> list[Outcome]:
        """``gitops-bot promote SRC DST``: DST gets exactly the digests SRC runs."""

        def go(s: _Session) -> list[Outcome]:
            rel, notes = promotion.plan(
                s.app,
                s.ws,
                s.root,
                source,
                target,
                only=images,
                force=force,
                skip_gate=skip_gate,
                environ=self.environ,
            )
            return self._deliver_one(s, target, rel, notes, dry_run)

        return self._session(self._reported("promote", dry_run, go), sign=not dry_run)

    def rollback(
        self, environment: str, *, to: str | None = None, steps: int | None = None, dry_run: bool = False
    ) -> list[Outcome]:
        """``gitops-bot rollback ENV``: restore an earlier release's image set, and hold it."""

        def go(s: _Session) -> list[Outcome]:
            rel, notes = promotion.rollback(s.app, s.ws, s.root, environment, to=to, steps=steps)
            return self._deliver_one(s, environment, rel, notes, dry_run)

        return self._session(self._reported("rollback", dry_run, go), sign=not dry_run)

    def hold(
        self,
        environment: str,
        image: str,
        reason: str | None,
        *,
        dry_run: bool = False,
    ) -> list[Outcome]:
        """``gitops-bot hold ENV IMAGE``."""

        def go(s: _Session) -> list[Outcome]:
            pending = self._pending_holds(s, environment, dry_run)
            rel, notes = promotion.hold(s.app, environment, image, reason, pending=pending)
            return self._deliver_one(s, environment, rel, notes, dry_run)

        return self._session(self._reported("hold", dry_run, go), sign=not dry_run)

    def unhold(self, environment: str, image: str, *, dry_run: bool = False) -> list[Outcome]:
        """``gitops-bot unhold ENV IMAGE``."""

        def go(s: _Session) -> list[Outcome]:
            pending = self._pending_holds(s, environment, dry_run)
            rel, notes = promotion.unhold(s.app, environment, image, pending=pending)
            return self._deliver_one(s, environment, rel, notes, dry_run)

        return self._session(self._reported("unhold", dry_run, go), sign=not dry_run)

    def history(self, environment: str, *, limit: int | None = None) -> list[history_mod.Entry]:
        """``gitops-bot history ENV``: read-only; fetches the base and reads its log."""

        def go(s: _Session) -> list[history_mod.Entry]:
            env = s.app.config.environment(environment)
            return history_mod.read(
                s.ws, s.ws.base_ref, s.app.repo_paths(env, s.root), s.app.image_specs(), limit=limit
            )

        return self._session(go, sign=False)

    def _session(self, fn: Callable[[_Session], T], *, sign: bool) -> T:
        """``sign``: the run may commit, so the signing key is read now (dry runs and history
        never need it, and work where the key is not set)."""
        token, user = self._fetch_credentials()
        ws = Workspace.open(self.repo, cache_dir=cache_dir(self.environ), token=token, user=user)
        signer = None
        try:
            with _paths_in_repository(ws, self.repo):
                cfg, root = self._load(ws)
                self.config = cfg
                if sign:  # a bad key: exit 2 before anything is committed or pushed
                    signer = signing.open_signer(cfg.git.signing, cfg.root, self.environ)
                ws.commit_env = signer.env() if signer else {}
                return self._in_session(ws, cfg, root, fn)
        finally:
            ws.close()
            if signer is not None:
                signer.close()

    def _fetch_credentials(self) -> tuple[str | None, str]:
        """(token, git user) for the first fetch, before the base's config can be read: the
        forge a local checkout's own config describes (``github.token_env``, its GitHub App,
        GitLab or Gitea settings), else the environment's forge tokens, else a GitHub App from
        the default variables (``GITHUB_APP_ID`` + ``GITHUB_APP_PRIVATE_KEY``)."""
        url, cfg = self.repo, None
        if not is_url(self.repo):
            url, cfg = _local_origin(Path(self.repo), self.config_path)
        if not url.lower().startswith("https://"):
            return None, GitHub.git_user  # tokens only ever go to https remotes
        if cfg is not None:
            try:
                forge = forges.connect(cfg, url, self.environ)
            except GitOpsBotError:
                forge = None  # the base's config decides; the environment's tokens meanwhile
            if forge is not None and forge.git_token:
                return forge.git_token, forge.git_user
        token, user = forges.first_fetch_credentials(url, self.environ)
        if token is None and kind_from_url(url) in (None, "github"):
            gh_cfg = config_mod.GitHubConfig()
            repository = repository_from_url(url, gh_cfg.api_url)
            if repository and self.environ.get(gh_cfg.app_id_env) and self.environ.get(gh_cfg.app_key_env):
                return GitHub.connect(gh_cfg, repository, self.environ).git_token, GitHub.git_user
        return token, user

    def _in_session(self, ws: Workspace, cfg: Config, root: Path, fn: Callable[[_Session], T]) -> T:
        pool = self._active = self._pool.bind(cfg) if self._pool else RegistryPool(cfg)
        before = Counter(pool.stats.by_status)
        try:
            return fn(_Session(ws, App(cfg, pool, environ=self.environ, root=root), root))
        finally:
            with pool.stats.lock:
                self.registry_requests.update(Counter(pool.stats.by_status) - before)
            if self._pool is None:
                pool.close()

    def _reported(
        self, command: str, dry_run: bool, fn: Callable[[_Session], list[Outcome]]
    ) -> Callable[[_Session], list[Outcome]]:
        """``fn`` with its outcomes, or its failure, sent to the configured notifications."""

        def go(s: _Session) -> list[Outcome]:
            settings = s.app.config.notifications
            try:
                outcomes = fn(s)
            except Exception as exc:
                gate = isinstance(exc, GateClosed)
                notify.report_failure(
                    settings, exc, self.environ, gate=gate, command=command, dry_run=dry_run
                )
                raise
            failed = notify.report_outcomes(settings, outcomes, self.environ, dry_run=dry_run)
            return [
                replace(o, warnings=[*o.warnings, *w]) if w else o
                for o, w in zip(outcomes, failed, strict=True)
            ]

        return go

    def _update(
        self,
        s: _Session,
        env_names: Sequence[str] | None,
        dry_run: bool,
        should_stop: Callable[[], bool],
        pushes: Sequence[Push] | None = None,
    ) -> list[Outcome]:
        ws, app, cfg = s.ws, s.app, s.app.config
        only: set[str] | None = None
        if pushes is not None:
            env_names, only = targeting.narrow(app, env_names, pushes)
            log.info(
                "targeted", pushes=[str(p) for p in pushes], environments=env_names, images=sorted(only or ())
            )
            if not env_names:
                return []
        plan = app.plan(env_names, metadata=True, images=only)  # a dry run shows the real PR body
        envs = {e.name: e for e in app.environments(env_names)}
        releases = [r for ep in plan.environments for r in self._releases(cfg, ep)]
        outcomes = self._deliver_all(s, envs, releases, dry_run, should_stop)
        if len(outcomes) < len(releases) or should_stop():
            return outcomes
        if (
            only is None
            and not dry_run
            and any(envs[e.name].write is WriteMode.PULL_REQUEST for e in plan.environments)
        ):
            forge, open_prs = self._forge_session(s)
            outcomes += self._close_stale(ws, cfg, forge, plan.environments, envs, releases, open_prs)
        return outcomes

    def _pending_holds(self, s: _Session, environment: str, dry_run: bool) -> dict[str, str | None]:
        """The holds this environment's *open* hold pull request proposes that the base does not
        have yet. A closed or merged one counts for nothing (a reviewer's no stays a no)."""
        env = s.app.config.environment(environment)
        if env.write is not WriteMode.PULL_REQUEST:
            return {}
        branch = Release(env.name, (), kind=ReleaseKind.HOLD).branch(s.app.config.git.branch_prefix)
        sha = s.ws.remote_sha(branch)
        if sha is None:
            return {}
        try:
            _, open_prs = self._forge_session(s)
        except GitOpsBotError:
            if dry_run:  # a dry run may have no forge token; it shows the base's view then
                return {}
            raise
        path = holds_mod.path_for(s.app.config.root).relative_to(s.root).as_posix()
        blob = s.ws.blobs_at(sha, [path]).get(path)
        if branch not in open_prs or blob is None:
            return {}
        text = s.ws.read_blobs([blob], sha, [path])[blob].decode("utf-8", "replace")
        theirs = holds_mod.parse(text, f"{branch}:{path}").get(env.name, {})
        ours = s.app.holds.get(env.name, {})
        pending: dict[str, str | None] = {k: v for k, v in theirs.items() if ours.get(k) != v}
        pending.update({k: None for k in ours if k not in theirs})
        return pending

    def _deliver_one(
        self, s: _Session, environment: str, rel: Release | None, notes: Sequence[str], dry_run: bool
    ) -> list[Outcome]:
        env = s.app.config.environment(environment)
        if rel is None:
            return [Outcome(env.name, (), OutcomeAction.UNCHANGED, write=env.write, warnings=list(notes))]
        out = self._deliver(s, env, rel, dry_run)
        return [replace(out, warnings=[*notes, *out.warnings])]

    def _deliver_all(
        self,
        s: _Session,
        envs: Mapping[str, EnvironmentConfig],
        releases: Sequence[Release],
        dry_run: bool,
        should_stop: Callable[[], bool],
    ) -> list[Outcome]:
        """Each release delivered whole (push and pull request) or not at all: ``should_stop`` is
        asked before each one, or before each chunk of pull-request releases whose branches are
        made in one batch (:mod:`gitops_bot.batch`)."""
        batch = self._batch(s, envs, releases, dry_run)
        outcomes: list[Outcome] = []
        failed: list[GitOpsBotError] = []
        for start in range(0, len(releases), BATCH_CHUNK):
            chunk = releases[start : start + BATCH_CHUNK]
            if should_stop():
                break
            results: list[batch_mod.Result] = [None] * len(chunk)
            prs = [i for i, r in enumerate(chunk) if envs[r.environment].write is WriteMode.PULL_REQUEST]
            if batch is not None and prs:
                branches = batch.push_branches([(envs[chunk[i].environment], chunk[i]) for i in prs])
                for i, result in zip(prs, branches, strict=True):
                    results[i] = result
            for rel, result in zip(chunk, results, strict=True):
                env = envs[rel.environment]
                if result is None:
                    if should_stop():
                        break
                    outcomes.append(self._deliver(s, env, rel, dry_run))
                elif isinstance(result, GitOpsBotError):
                    failed.append(result)  # the others' pull requests first: no branch left without one
                else:
                    forge, open_prs = self._forge_session(s)
                    out = self._propose(s.ws, s.app.config, forge, env, result, open_prs)
                    outcomes.append(self._finish(out, env, rel))
            if failed:
                raise failed[0]
            if len(outcomes) < start + len(chunk):
                break
        if len(outcomes) < len(releases):
            log.info("stopping", abandoned=len(releases) - len(outcomes))
        return outcomes

    def _batch(
        self, s: _Session, envs: Mapping[str, EnvironmentConfig], releases: Sequence[Release], dry_run: bool
    ) -> batch_mod.Batch | None:
        """The batch for a run's pull-request releases, when their branches can be made in one."""
        if dry_run or not any(envs[r.environment].write is WriteMode.PULL_REQUEST for r in releases):
            return None
        if self._api_commits(s) is not None:  # GitHub creates each commit: one by one
            return None
        self._forge_session(s)  # connected before pushing: it may bring the token git pushes with
        return batch_mod.Batch.open(s.ws, s.app)

    def _finish(self, out: Outcome, env: EnvironmentConfig, rel: Release) -> Outcome:
        return replace(
            out,
            write=env.write,
            kind=rel.kind,
            warnings=[w for c in out.changes for w in c.warnings] + out.warnings,
        )

    def _deliver(self, s: _Session, env: EnvironmentConfig, rel: Release, dry_run: bool) -> Outcome:
        if dry_run:
            out = self._dry_run(s.ws, s.app, env, rel)
        elif env.write is WriteMode.COMMIT:
            self._via_api = self._api_commits(s)
            out = self._commit(s.ws, s.app, env, rel)
        else:
            self._via_api = self._api_commits(s)
            forge, open_prs = self._forge_session(s)
            out = self._pull_request(s.ws, s.app, forge, env, rel, open_prs)
        return self._finish(out, env, rel)

    def _api_commits(self, s: _Session) -> GitHub | None:
        """With git.signing github-api, the GitHub connection that creates the commits."""
        signing_cfg = s.app.config.git.signing
        if signing_cfg is None or signing_cfg.method != "github-api":
            return None
        forge = self._forge_session(s)[0]
        if not isinstance(forge, GitHub):
            raise UsageError(
                "git signing github-api needs a GitHub repository",
                hint="sign with method ssh or gpg on GitLab and Gitea",
            )
        return forge

    def _push(self, ws: Workspace, branch: str, lease: tuple[str, str | None] | None, sha: str) -> str:
        """Push HEAD to ``branch``; returns the commit the branch now holds: HEAD, or with
        git.signing github-api the commit GitHub created (and signed) from it."""
        if self._via_api is None:
            ws.push(f"HEAD:refs/heads/{branch}", lease=lease)
            return sha
        return github_commits.push(self._via_api, ws, branch, lease)

    def _forge_session(self, s: _Session) -> tuple[Forge, dict[str, ChangeRequest]]:
        if s.forge is None:
            forge = self._forge(s.app.config, s.ws)
            s.forge = (forge, forge.open_pulls(s.app.config.git.branch_prefix))
        return s.forge

    # -- set-up ------------------------------------------------------------------------

    def _load(self, ws: Workspace) -> tuple[Config, Path]:
        """Fetch, check out the base, and read the config there; returns it and the worktree."""
        prefix = "gitops-bot"
        ws.fetch(self._base, prefix)
        root = ws.checkout_base()
        cfg = self._config(root)
        wanted = self._base or cfg.git.base
        if wanted != ws.base or cfg.git.branch_prefix != prefix:
            ws.fetch(wanted or ws.base, cfg.git.branch_prefix)
            root = ws.checkout_base()
            cfg = self._config(root)
        return cfg, root

    def _config(self, root: Path) -> Config:
        """The config in the checked-out repository (contained in it), or at an absolute
        ``--config`` path the user chose."""
        if self.config_path and Path(self.config_path).is_absolute():
            return config_mod.load(Path(self.config_path))
        path = root / self.config_path if self.config_path else config_mod.find_config(root)
        return config_mod.load(files.inside(root, path))

    def _forge(self, cfg: Config, ws: Workspace) -> Forge:
        forge = forges.connect(cfg, ws.url, self.environ)
        if forge.git_token:  # e.g. a GitHub App's installation token, GitLab's job token
            ws.env = auth_env(ws.url, forge.git_token, forge.git_user)
        return forge

    # -- releases ----------------------------------------------------------------------

    def _releases(self, cfg: Config, ep: EnvironmentPlan) -> list[Release]:
        updates = [i for i in ep.items if i.action is PlanAction.UPDATE and i.candidate is not None]
        changes = tuple(_change(i) for i in updates)
        if not changes:
            return []
        if cfg.pull_request.group == "image":
            return [Release(ep.name, (c,), group_image=c.image) for c in changes]
        return [Release(ep.name, changes)]

    def _apply(self, ws: Workspace, app: App, env: EnvironmentConfig, rel: Release) -> tuple[Release, bool]:
        """Edit the worktree at the base for ``rel``; returns the release with the files that
        actually hold each image, and whether anything changed."""
        root = ws.checkout_base()  # the same directory the config was loaded from
        texts = {path: files.read_text(path) for path in app.files(env)}
        rel, written = batch_mod.edit(app, rel, root, texts, app.image_specs())
        for path, text in written.items():
            files.write_atomic(path, text)
        changed = bool(written)
        if rel.holds:
            cfg_root = app.config.root
            files.inside(root, holds_mod.path_for(cfg_root))
            new_holds = holds_mod.with_changes(holds_mod.load(cfg_root), env.name, dict(rel.holds))
            changed = holds_mod.write(cfg_root, new_holds) or changed
            rel = replace(rel, holds_file=holds_mod.path_for(cfg_root).relative_to(root).as_posix())
        return rel, changed

    def _dry_run(self, ws: Workspace, app: App, env: EnvironmentConfig, rel: Release) -> Outcome:
        rel, _ = self._apply(ws, app, env, rel)
        diff = ws.diff()
        branch = rel.branch(app.config.git.branch_prefix) if env.write is WriteMode.PULL_REQUEST else ws.base
        # the bot's branch already holding exactly this change: the real run pushes nothing
        held = ws.remote_sha(branch) if env.write is WriteMode.PULL_REQUEST else None
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.DRY_RUN,
            branch=branch,
            commit=held if held is not None and ws.tree_of(held) == ws.staged_tree() else None,
            release_id=rel.release_id,
            title=redact(rel.title()),
            body=redact(rel.body()),
            diff=diff,
        )

    def _commit(self, ws: Workspace, app: App, env: EnvironmentConfig, rel: Release) -> Outcome:
        """Push straight to the base. A rejected push (the base moved) is answered by
        re-applying the plan's edits on the new base, not by a textual rebase."""
        cfg = app.config
        for attempt in race_attempts():
            rel, changed = self._apply(ws, app, env, rel)
            sha = (
                ws.commit(
                    batch_mod.commit_message(cfg, rel),
                    author_name=cfg.git.author_name,
                    author_email=cfg.git.author_email,
                )
                if changed
                else None
            )
            if sha is None:
                return Outcome(env.name, rel.changes, OutcomeAction.UNCHANGED, release_id=rel.release_id)
            try:
                sha = self._push(ws, ws.base, None, sha)
            except PushRejected:
                log.info("push_rejected", environment=env.name, attempt=attempt)
                ws.fetch(ws.base, cfg.git.branch_prefix)
                continue
            log.info("committed", environment=env.name, commit=sha, release=rel.release_id)
            return Outcome(
                env.name,
                rel.changes,
                OutcomeAction.COMMIT,
                branch=ws.base,
                commit=sha,
                release_id=rel.release_id,
            )
        raise PushRejected(
            f"the base branch {ws.base} kept moving; gave up after {RACE_DEADLINE:g} s of retries",
            hint="run again",
        )

    def _pull_request(
        self,
        ws: Workspace,
        app: App,
        forge: Forge,
        env: EnvironmentConfig,
        rel: Release,
        open_prs: dict[str, ChangeRequest],
    ) -> Outcome:
        cfg = app.config
        branch = rel.branch(cfg.git.branch_prefix)
        for attempt in race_attempts():
            rel, changed = self._apply(ws, app, env, rel)
            if not changed:
                return self._propose(ws, cfg, forge, env, Branch(rel, None), open_prs)
            sha = ws.commit(
                batch_mod.commit_message(cfg, rel),
                author_name=cfg.git.author_name,
                author_email=cfg.git.author_email,
            )
            assert sha is not None
            remote = ws.remote_sha(branch)
            if remote is not None and ws.tree_of(remote) == ws.head_tree():
                # the branch already holds exactly this change
                return self._propose(ws, cfg, forge, env, Branch(rel, remote, remote), open_prs)
            try:
                sha = self._push(ws, branch, (branch, remote), sha)
                return self._propose(ws, cfg, forge, env, Branch(rel, sha, remote, pushed=True), open_prs)
            except PushRejected:
                log.info("push_rejected", branch=branch, attempt=attempt)
                ws.fetch(ws.base, cfg.git.branch_prefix)
        raise PushRejected(
            f"branch {branch} kept moving; gave up after {RACE_DEADLINE:g} s of retries", hint="run again"
        )

    def _propose(
        self,
        ws: Workspace,
        cfg: Config,
        forge: Forge,
        env: EnvironmentConfig,
        at: Branch,
        open_prs: dict[str, ChangeRequest],
    ) -> Outcome:
        """The pull request of a release whose branch holds its change: created, or updated
        when its text changed."""
        rel, sha, remote = at.rel, at.commit, at.before
        if sha is None:
            return Outcome(env.name, rel.changes, OutcomeAction.UNCHANGED, release_id=rel.release_id)
        branch = rel.branch(cfg.git.branch_prefix)
        title, body = redact(rel.title()), redact(rel.body())  # published: the log redaction applies
        pr = open_prs.get(branch)
        created = pr is None
        edited = pr is not None and (pr.title, pr.body) != (title, body)
        try:
            pr = (
                forge.update(pr, title, body)
                if pr is not None
                else forge.create(branch, ws.base, title, body, draft=cfg.pull_request.draft)
            )
        except Exception:
            if created and remote is None:
                ws.delete_remote_branch(branch, sha)  # leave no orphan branch behind
            raise
        warnings = []
        if created:
            prc = cfg.pull_request
            warnings = forge.decorate(
                pr,
                labels=prc.labels,
                reviewers=prc.reviewers,
                assignees=prc.assignees,
                auto_merge=prc.auto_merge,
            )
        log.info("pull_request", environment=env.name, number=pr.number, url=pr.url, created=created)
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.PULL_REQUEST if created or edited or at.pushed else OutcomeAction.UNCHANGED,
            branch=branch,
            url=pr.url,
            commit=sha,
            release_id=rel.release_id,
            title=title,
            warnings=warnings,
        )

    def _close_stale(
        self,
        ws: Workspace,
        cfg: Config,
        forge: Forge,
        plans: Sequence[EnvironmentPlan],
        envs: Mapping[str, EnvironmentConfig],
        releases: Sequence[Release],
        open_prs: Mapping[str, ChangeRequest],
    ) -> list[Outcome]:
        """Close the bot's open update PRs of the planned environments that this run no
        longer produces, when the plan is sure (nothing skipped for them)."""
        prefix = cfg.git.branch_prefix
        produced = {r.branch(prefix) for r in releases}
        out = []
        for ep in plans:
            if envs[ep.name].write is not WriteMode.PULL_REQUEST or ep.mode != "registry":
                continue
            skipped = {i.image for i in ep.items if i.action is PlanAction.SKIP}
            for branch, pr in open_prs.items():
                if branch in produced:
                    continue
                env_branch = f"{prefix}/{ep.name}"
                if branch == env_branch:
                    if skipped:
                        continue
                elif branch.startswith(env_branch + "/"):
                    if any(branch == f"{env_branch}/{slug(i)}" for i in skipped):
                        continue
                else:
                    continue
                forge.close(
                    pr,
                    redact(
                        f"Closed by gitops-bot: **{ep.name}** already runs what this {forge.noun} proposed, "
                        f"or a newer {forge.noun} supersedes it."
                    ),
                )
                sha = ws.remote_sha(branch)
                if sha:
                    ws.delete_remote_branch(branch, sha)
                out.append(Outcome(ep.name, (), OutcomeAction.CLOSED, branch=branch, url=pr.url))
        return out


def _local_origin(repo: Path, config_path: str | None) -> tuple[str, Config | None]:
    """A local checkout's origin URL and its working tree's config, if it reads (the base's
    config, read after the fetch, decides everything else)."""
    try:
        url = git.Repo(repo).remotes.origin.url
    except (git.GitError, AttributeError, ValueError, OSError):
        return "", None  # Workspace.open says what is wrong with the checkout
    try:
        return url, config_mod.load(repo / config_path if config_path else config_mod.find_config(repo))
    except GitOpsBotError:
        return url, None


@contextmanager
def _paths_in_repository(ws: Workspace, repo: str) -> Iterator[None]:
    """Errors name files by their path in the repository, never by the throwaway worktree's."""
    try:
        yield
    except GitOpsBotError as exc:
        if ws.worktree is not None:
            root = str(ws.worktree)
            where = f"{repo} ({ws.base})" if ws.base else repo
            for attr in ("message", "hint"):
                text = getattr(exc, attr)
                if text:
                    setattr(exc, attr, text.replace(root + os.sep, "").replace(root, where))
            exc.args = (exc.message,)
        raise


def _change(item: PlanItem) -> Change:
    cur, cand = item.current, item.candidate
    assert cand is not None
    return Change(
        environment=item.environment,
        image=item.image,
        repository=item.repository,
        files=(item.file,),
        from_tag=cur.tag if cur else None,
        from_digest=cur.digest if cur else None,
        to_tag=cand.tag,
        to_digest=cand.digest,
        reason=item.reason,
        metadata=cand.metadata,
        new_name=_moved_repository(item),
        verification=item.verification,
    )


def _moved_repository(item: PlanItem) -> str | None:
    """The configured repository when the file pulls the image from another one (the digest
    was resolved in the configured repository, so the file must name it too). A Helm or
    marker site that names no repository is left as it is."""
    cur = item.current
    written = cur.new_name if cur else None
    if cur is not None and written is None and images.is_kustomization(item.file):
        written = cur.name  # no newName: the entry's name is what is pulled
    if written is None:
        return None
    try:
        same = ImageRef.parse(written).location == ImageRef.parse(item.repository).location
    except GitOpsBotError:
        return None
    return None if same else item.repository
