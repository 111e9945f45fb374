"""One run's session: the credentials chosen before the first fetch, the workspace fetched and
checked out at the base, the config read there, the signer, the registry pool, and the forge
connection with its open pull requests (asked once per run).

:class:`Sessions` opens one :class:`Session` per command and closes it after; the use cases
(:mod:`gitops_bot.commands`) are functions over a session.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gitops_bot import config as config_mod
from gitops_bot.config import Config
from gitops_bot.core import files
from gitops_bot.core.errors import ConfigMissing, GateClosed, GitError, GitOpsBotError, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.record import record
from gitops_bot.core.secret import EnvView, Secret, allow_list
from gitops_bot.engine import preflight
from gitops_bot.engine.app import App
from gitops_bot.engine.gates import GateClients, RunGates
from gitops_bot.forges import registry as forges
from gitops_bot.forges.forge import ChangeRequest, Forge
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitcli import Repo, auth_env, is_url
from gitops_bot.git.store import local_store
from gitops_bot.notify.report import report_failure, report_outcomes
from gitops_bot.policy.age import Unread
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.release.proposal import Release, every_sighting, marked
from gitops_bot.trust import signing

if TYPE_CHECKING:
    from gitops_bot.engine.outcome import Outcome

T = TypeVar("T")
log = get_logger(__name__)


@record(frozen=False, slots=False)
class Session:
    """One run's workspace (fetched, a worktree at the base), app and forge connection."""

    ws: GitWorkspace
    app: App
    root: Path  # the worktree
    environ: Mapping[str, str] = field(default_factory=dict)
    _forge: tuple[Forge, dict[str, ChangeRequest]] | None = None
    _gates: RunGates | None = None
    # the command run's gate clients, when its sessions share them (Sessions.one_run)
    gate_clients: GateClients | None = None
    # this run pushed to the base since its last fetch: the next pull requests' branches are
    # made after fetching it again (engine.delivery)
    base_moved: bool = False

    def forge(self) -> tuple[Forge, dict[str, ChangeRequest]]:
        """The forge and the bot's open pull requests by branch, connected and listed once."""
        if self._forge is None:
            forge = forges.connect(self.app.config, self.ws.url, self.environ)
            secret = forges.git_secret(self.app.config, self.ws.url, forge)
            if secret is not None:  # e.g. a GitHub App's installation token, GitLab's job token
                self.ws.env = auth_env(self.ws.url, secret, forge.git_user)
            self._forge = (forge, forge.open_pulls(self.app.config.git.branch_prefix))
        return self._forge

    def gates(self) -> RunGates:
        """The run's gates (Argo CD, metrics, the forge's checks, web), their clients built
        when first asked and once a run: every decision of the run judges one reading of each."""
        if self._gates is None:
            self._gates = RunGates(
                self.app, self.environ, lambda: r[0] if (r := self.reader()) else None, self.gate_clients
            )
        return self._gates

    def close(self) -> None:
        if self._gates is not None:
            self._gates.close()

    def reader(self) -> tuple[Forge, dict[str, ChangeRequest]] | None:
        """The forge for a dry run, which writes nothing but reads what the real run reads (the
        open pull requests, the release contents with the token): connected when its
        credentials are there; None when they are not (a PR check without secrets), and the
        dry run reads anonymously."""
        try:
            return self.forge()
        except UsageError:
            return None

    def sightings(self, *, dry_run: bool) -> Callable[[str, str], dict[str, datetime] | Unread | None]:
        """The forge's clock for ``min_age``: (environment, image) -> when the bot first saw
        each digest, as the open pull request that would carry the image records it. The forge
        is asked on first use (a run with no such image never connects for it); a dry run
        without the forge's credentials reads none (None); a forge that was asked and could
        not be read is :class:`~gitops_bot.policy.age.Unread`, with why."""
        cfg = self.app.config
        prefix, by_image = cfg.git.branch_prefix, cfg.pull_request.group == "image"
        bodies: dict[str, dict[str, dict[str, datetime]]] = {}  # each pull request read once

        def seen(environment: str, image: str) -> dict[str, datetime] | Unread | None:
            try:
                found = self.reader() if dry_run else self.forge()
            except GitOpsBotError as exc:
                # asked and not read: the pull request may record an earlier sighting than
                # "now", so its images' ages are unknown, and the decision says so
                log.warning("sightings_not_read", reason=redact(str(exc))[:200])
                return Unread(redact(str(exc)).partition("\n")[0][:200])
            if found is None:
                return None
            branch = Release(environment, (), group_image=image if by_image else None).branch(prefix)
            pr = found[1].get(branch)
            if pr is None:
                return {}
            if branch not in bodies:
                bodies[branch] = every_sighting(pr.body, pr.opened)
            return bodies[branch].get(marked(image), {})

        return seen


def cache_dir(environ: Mapping[str, str]) -> Path:
    """Where clones of ``--repo URL`` are kept between runs (a volume in a container)."""
    return files.cache_dir(environ)


class Sessions:
    """Opens sessions on one repository (a path or URL), run after run (``watch`` keeps one)."""

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
        # a repository's view of the environment (fleet.py: the secrets it may read) stays a
        # view, so the registry pool keeps its clients apart from other repositories'
        self.environ: Mapping[str, str] = (
            environ if isinstance(environ, EnvView) else dict(os.environ if environ is None else environ)
        )
        self._pool = pool
        self._base = base
        self.registry_requests: Counter[str] = Counter()  # by status, over these sessions
        self.config: Config | None = None  # the last config read (watch's webhooks use it)
        self._active: RegistryPool | None = None
        self._gate_clients: GateClients | None = None  # while one_run() shares them

    @contextmanager
    def one_run(self) -> Iterator[None]:
        """The sessions opened inside are one command run's (``update``'s and its dashboard's):
        they ask each gate server through one client, and each Argo CD Application once, so
        every session of the run judges one reading; the clients are closed at the end. Outside,
        each session has clients of its own."""
        if self._gate_clients is not None:  # already inside the run
            yield
            return
        clients = self._gate_clients = GateClients()
        try:
            yield
        finally:
            self._gate_clients = None
            clients.close()

    @property
    def base(self) -> str | None:
        """The base branch asked for (None: git.base, else the remote's default)."""
        return self._base

    def abort(self) -> None:
        """Abandon the registry requests of the running session (SIGTERM in ``watch``): they only
        read, so nothing is left half-done; a release being delivered is still finished."""
        if self._active is not None:
            self._active.abort()

    def open(self, fn: Callable[[Session], T], *, sign: bool) -> T:
        """Run ``fn`` in a new session. ``sign``: the run may commit, so the signing key is read
        now (dry runs and history never need it, and work where the key is not set)."""
        store = _local_store(self.repo)  # asked once: its origin, then the workspace's objects
        token, user = fetch_credentials(self.repo, self.config_path, self.environ, store)
        cache = cache_dir(self.environ)
        ws = GitWorkspace.open(self.repo, cache_dir=cache, token=token, user=user, store=store)
        signer = None
        try:
            with _paths_in_repository(ws, self.repo):
                try:
                    cfg, root = load(ws, self._base, self.config_path, allow_list(self.environ))
                except ConfigMissing as missing:
                    raise _not_pushed(self.repo, self.config_path, ws.base) or missing from None
                self.config = cfg
                if sign:  # a bad key: exit 2 before anything is committed or pushed
                    signer = signing.open_signer(cfg.git.signing, cfg.root, self.environ)
                ws.commit_env = signer.env() if signer else {}
                return self._with_registries(ws, cfg, root, fn)
        finally:
            ws.close()
            if signer is not None:
                signer.close()

    def reported(
        self, command: str, fn: Callable[[Session], list[Outcome]], *, dry_run: bool
    ) -> list[Outcome]:
        """``open`` for a command that may change the repository, its outcomes (or its failure)
        sent to the configured notifications."""
        return self.open(lambda s: _reported(s, command, fn, dry_run=dry_run), sign=not dry_run)

    def _with_registries(self, ws: GitWorkspace, cfg: Config, root: Path, fn: Callable[[Session], T]) -> T:
        pool = self._active = (
            self._pool.bind(cfg, env=self.environ) if self._pool else RegistryPool(cfg, env=self.environ)
        )
        before = Counter(pool.stats.by_status)
        try:
            app = App(cfg, pool, environ=self.environ, root=root, base=ws.base)
            app.git = ws  # the environments' own branches are read from what it fetched
            session = Session(ws, app, root, self.environ, gate_clients=self._gate_clients)
            try:
                return fn(session)
            finally:
                session.close()
                app.close()
        finally:
            with pool.stats.lock:
                self.registry_requests.update(Counter(pool.stats.by_status) - before)
            if self._pool is None:
                pool.close()


def _reported(
    s: Session, command: str, fn: Callable[[Session], list[Outcome]], *, dry_run: bool
) -> list[Outcome]:
    """``fn``'s outcomes, or its failure, sent to the configured notifications."""
    settings = s.app.config.notifications
    preflight.check(s.app.config, s.environ, dry_run=dry_run, url=s.ws.url)  # before anything is pushed
    try:
        outcomes = fn(s)
    except Exception as exc:
        gate = isinstance(exc, GateClosed)
        report_failure(settings, exc, s.environ, gate=gate, command=command, dry_run=dry_run)
        raise
    failed = report_outcomes(settings, outcomes, s.environ, dry_run=dry_run)
    return [replace(o, warnings=[*o.warnings, *w]) if w else o for o, w in zip(outcomes, failed, strict=True)]


def _local_store(repo: str) -> Repo | None:
    """The user's own clone at ``repo``, opened once for the run (a ``rev-parse`` and the
    configuration's listing: its origin, then the workspace's objects, each opened it again);
    None for a URL, or a folder the workspace refuses (which it says why when it opens)."""
    if is_url(repo):
        return None
    try:
        return local_store(repo)
    except GitOpsBotError:
        return None


def fetch_credentials(
    repo: str, config_path: str | None, environ: Mapping[str, str], store: Repo | None = None
) -> tuple[Secret | None, str]:
    """(token, git user) for the first fetch, before the base's config can be read: the
    forge a local checkout's own config describes (``github.token_env``, its GitHub App,
    GitLab or Gitea settings), else the environment's forge tokens, else a GitHub App from
    the default variables (``GITHUB_APP_ID`` + ``GITHUB_APP_PRIVATE_KEY``)."""
    url, cfg = repo, None
    if not is_url(repo):
        url, cfg = _local_origin(Path(repo), config_path, allow_list(environ), store)
    if not url.lower().startswith("https://"):
        return None, forges.DEFAULT_GIT_USER  # tokens only ever go to https remotes
    if cfg is not None:
        try:
            forge = forges.connect(cfg, url, environ)
        except GitOpsBotError:
            forge = None  # the base's config decides; the environment's tokens meanwhile
        secret = forges.git_secret(cfg, url, forge) if forge is not None else None
        if forge is not None and secret is not None:
            return secret, forge.git_user
    return forges.first_fetch_with_app(url, environ)


def load(
    ws: GitWorkspace, base: str | None, config_path: str | None, env_allowed: frozenset[str] | None = None
) -> tuple[Config, Path]:
    """Fetch, check out the base, and read the config there; returns it and the worktree.
    ``env_allowed``: the environment variables the config may name (a fleet's repository)."""
    prefix = "gitops-bot"
    ws.fetch(base, prefix)
    root = ws.checkout_base()
    cfg = read_config(root, config_path, env_allowed)
    wanted = base or cfg.git.base  # None: the default branch, which the first fetch took
    # the environments' own branches (branch:): fetched with it, read and released into like it
    ws.branches = tuple(dict.fromkeys(e.branch for e in cfg.environments if e.branch))
    if (wanted is not None and wanted != ws.base) or cfg.git.branch_prefix != prefix or ws.branches:
        ws.fetch(wanted or ws.base, cfg.git.branch_prefix)
        root = ws.checkout_base()
        cfg = read_config(root, config_path, env_allowed)
    return cfg, root


def read_config(root: Path, config_path: str | None, env_allowed: frozenset[str] | None = None) -> Config:
    """The config in the checked-out repository (contained in it), or at an absolute
    ``--config`` path the user chose."""
    if config_path and Path(config_path).is_absolute():
        return config_mod.load(Path(config_path), env_allowed=env_allowed)
    path = root / config_path if config_path else config_mod.find_config(root)
    return config_mod.load(files.inside(root, path), env_allowed=env_allowed)


def _not_pushed(repo: str, config_path: str | None, base: str | None) -> ConfigMissing | None:
    """A local checkout whose working directory holds the config that the base branch, as the
    remote has it, does not (``init --write``, not committed or pushed yet): said so, with what
    to do, rather than "no gitops-bot.yaml" beside a file the person can see. None otherwise."""
    if is_url(repo):
        return None
    local = Path(repo)
    try:
        path = local / config_path if config_path else config_mod.find_config(local)
    except GitOpsBotError:
        return None
    if not path.is_file():
        return None
    branch = f"origin/{base}" if base else "the remote's default branch"
    config = config_path or path.name
    return ConfigMissing(
        f"{config} is in the working directory but not on {branch}",
        hint="commit and push it (status, explain and update read the base branch as the remote has it)",
    )


def _local_origin(
    repo: Path, config_path: str | None, env_allowed: frozenset[str] | None, store: Repo | None
) -> tuple[str, Config | None]:
    """A local checkout's origin URL and its working tree's config, if it reads (the base's
    config, read after the fetch, decides everything else); ``store``: the checkout, opened."""
    try:
        url = (store or Repo(repo)).origin_url()
    except (GitError, OSError):
        url = None
    if url is None:
        return "", None  # GitWorkspace.open says what is wrong with the checkout
    try:
        path = repo / config_path if config_path else config_mod.find_config(repo)
        return url, config_mod.load(path, env_allowed=env_allowed)
    except GitOpsBotError:
        return url, None


@contextmanager
def _paths_in_repository(ws: GitWorkspace, repo: str) -> Iterator[None]:
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
