"""``gitops-bot update`` over many GitOps repositories: one process, or several sharded ones.

Each repository keeps its own ``gitops-bot.yaml``; which repositories to work comes from
``--repo`` (repeatable) and/or a small bot-level file (``--repositories FILE``)::

    version: 1
    parallel: 4                     # repositories worked at once (default 4)
    shared_env: [GITHUB_APP_KEY]    # secrets every repository's config may name
    repositories:
      - https://github.com/acme/gitops-payments
      - url: https://github.com/acme/gitops-search
        config: deploy/gitops-bot.yaml
        base: main
        env: [SEARCH_REGISTRY_PASSWORD]   # secrets only this repository's config may read

Secrets per repository: with one bot serving many repositories, whoever can write one
repository's ``gitops-bot.yaml`` must not be able to read a secret the operator gave the bot
for another (its ``*_env`` keys name any environment variable). A repository entry's ``env:``
lists the environment variables that repository's config may read *and no other may*: a name
listed under any entry is hidden from every entry that does not list it. ``shared_env:`` lists
those every repository's config may name. With more than one repository, a config that names
(in a ``*_env`` key) any other variable is refused, naming it: a variable nobody thought to
list is not a secret every repository may take to a host of its choosing. The bot's own
defaults (``GITHUB_TOKEN`` where no ``token_env`` is written) need no listing; one repository
alone reads its environment as before.

The file is read up to 1 MiB. The same remote (compared without case, a trailing slash or
``.git``) listed twice with different settings is an error naming both entries; listed twice
alike, it is worked once.

At most ``parallel`` repositories are worked at once, all through one registry pool: one
client per registry (and settings), so connection reuse, per-host concurrency limits and
tokens are shared, and a tags list or digest read for one repository answers the others in
the same run. A repository that fails (bad config, a remote that is down, even a bug) gets its
own exit code and error in the results; the others go on; the run's exit code is the worst.

Sharding (``--shard I/N``) splits the list with no coordinator: a repository belongs to shard
``sha256(url) mod N`` (1-based ``I``), the same answer on every machine and in every run, so N
CronJobs or Action jobs given the same list and ``--shard 1/N`` .. ``N/N`` work disjoint
repositories. Two runs that do overlap (a changed N, a retried job) are safe: pushes are
force-with-lease and pull requests are found and updated, never duplicated.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from gitops_bot.core.errors import ConfigError, UsageError
from gitops_bot.core.log import bound_context, get_logger, redact, register_userinfo
from gitops_bot.core.record import record
from gitops_bot.core.secret import EnvView
from gitops_bot.manifests import yamlvalues

log = get_logger(__name__)
T = TypeVar("T")
Item = TypeVar("Item")
DEFAULT_PARALLEL = 4
MAX_FILE_BYTES = 1024 * 1024  # a repositories file is a list of URLs, not data
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@record
class Repository:
    url: str
    config: str | None = None
    base: str | None = None
    env: tuple[str, ...] | None = None  # the secrets only this repository may read (``env:``)
    hidden: frozenset[str] = frozenset()  # what its config may not read: others' ``env:``
    allowed: frozenset[str] | None = None  # in a fleet of several: all its config may name
    where: str = ""  # where it was listed, for messages ("repositories.yaml:4", "--repo")

    def settings(self) -> tuple[str | None, str | None, tuple[str, ...]]:
        return self.config, self.base, tuple(sorted(self.env or ()))


@record
class Fleet:
    repositories: tuple[Repository, ...]
    parallel: int = DEFAULT_PARALLEL
    shared_env: tuple[str, ...] = ()  # what every repository's config may name (``shared_env:``)


# -- which repositories ------------------------------------------------------------------


def load(path: Path) -> Fleet:
    """The bot-level file: ``repositories:`` (URLs or {url, config, base, env}), ``parallel``
    and ``shared_env``."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise UsageError(
                f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB; it is not a list of repositories",
                hint="list each repository's URL (and config, base, env) in a small YAML file",
            )
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {redact(str(exc))}") from None
    name = str(path)
    doc = yamlvalues.load(text, name)
    if not isinstance(doc, dict) or not isinstance(doc.get("repositories"), list):
        raise ConfigError(name, None, "needs a 'repositories:' list of repository URLs")
    unknown = sorted(set(doc) - {"version", "parallel", "shared_env", "repositories"})
    if unknown or doc.get("version", 1) != 1:
        what = f"unknown key {unknown[0]!r}" if unknown else "unsupported version; use 1"
        raise ConfigError(name, _line(doc, unknown[0] if unknown else "version"), what)
    parallel = doc.get("parallel", DEFAULT_PARALLEL)
    if not isinstance(parallel, int) or isinstance(parallel, bool) or parallel < 1:
        raise ConfigError(name, _line(doc, "parallel"), "'parallel' must be a whole number, 1 or more")
    shared = doc.get("shared_env", [])
    if not _env_names(shared):
        raise ConfigError(
            name, _line(doc, "shared_env"), "'shared_env' must be a list of environment variable names"
        )
    items = doc["repositories"]
    repos = tuple(_repository(name, item, _item_line(items, i)) for i, item in enumerate(items))
    return Fleet(repos, parallel, tuple(shared))


def _env_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) and _ENV_NAME.match(n) for n in value)


def _repository(name: str, item: Any, line: int | None) -> Repository:
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"].strip():
        raise ConfigError(name, line, "each repository is a URL, or a mapping with 'url'")
    url = item["url"]
    _register_userinfo(url)
    extra = sorted(str(k) for k in set(item) - {"url", "config", "base", "env"})
    if extra:
        raise ConfigError(
            name, line, f"unknown key {extra[0]!r} in a repository; allowed: url, config, base, env"
        )
    for key in ("config", "base"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ConfigError(name, line, f"'{key}' of {redact(url)} must be a string")
    env = item.get("env")
    if env is not None:
        if not _env_names(env):
            raise ConfigError(
                name, line, f"'env' of {redact(url)} must be a list of environment variable names"
            )
        env = tuple(env)
    where = f"{name}:{line}" if line else name
    return Repository(url, item.get("config"), item.get("base"), env, where=where)


def _register_userinfo(url: str) -> None:
    """A password in a listed URL is a secret from the moment it is read (the URL is refused
    later, but it is named in messages before and after)."""
    register_userinfo(url)


def _line(doc: Any, key: str) -> int | None:
    try:
        return int(doc.lc.key(key)[0]) + 1
    except (AttributeError, KeyError):
        return None


def _item_line(seq: Any, index: int) -> int | None:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError):
        return None


def gather(
    repos: Sequence[str], repositories_file: str | None, *, config: str | None, base: str | None
) -> Fleet:
    """``--repo`` values (with ``--config``/``--base``) then the file's entries. The same remote
    listed again alike is dropped (the first mention wins); listed again with other settings,
    it is an error naming both entries. Each entry learns which secrets it may not read and,
    with more than one repository, which names alone its config may write."""
    listed = [Repository(r, config, base, where="--repo") for r in repos]
    parallel = DEFAULT_PARALLEL
    shared: tuple[str, ...] = ()
    if repositories_file:
        fleet = load(Path(repositories_file))
        listed += fleet.repositories
        parallel = fleet.parallel
        shared = fleet.shared_env
    first: dict[str, Repository] = {}
    for r in listed:
        seen = first.setdefault(_key(r.url), r)
        if seen is not r and seen.settings() != r.settings():
            raise UsageError(
                f"{redact(r.url)} is listed twice with different settings: {seen.where} and {r.where}",
                hint="keep one entry per repository (compared without case, '/' or '.git' at the end)",
            )
    claimed = frozenset(n for r in listed for n in (r.env or ())) - set(shared)
    unique = [r for r in listed if first[_key(r.url)] is r]
    several = len(unique) > 1  # decided before sharding: a shard's config is one of many

    def scoped(r: Repository) -> Repository:
        own = set(r.env or ())
        allowed = frozenset(own | set(shared)) if several else None
        return replace(r, hidden=claimed - own, allowed=allowed)

    return Fleet(tuple(scoped(r) for r in unique), parallel, shared)


def _key(url: str) -> str:
    """The spelling hashed for shards: case, a trailing slash and '.git' do not matter."""
    return url.strip().rstrip("/").removesuffix(".git").lower()


# -- sharding ----------------------------------------------------------------------------

_SHARD = re.compile(r"^(\d+)/(\d+)$")


def parse_shard(text: str) -> tuple[int, int]:
    m = _SHARD.match(text.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise UsageError(f"--shard {text!r} must be I/N with 1 <= I <= N, e.g. 2/3")
    return int(m.group(1)), int(m.group(2))


def shard_of(url: str, count: int) -> int:
    """1-based shard of a repository: a stable hash (not Python's per-process hash())."""
    return int.from_bytes(hashlib.sha256(_key(url).encode()).digest()[:8], "big") % count + 1


def only_shard(fleet: Fleet, shard: str | None) -> Fleet:
    if shard is None:
        return fleet
    index, count = parse_shard(shard)
    mine = tuple(r for r in fleet.repositories if shard_of(r.url, count) == index)
    return Fleet(mine, fleet.parallel, fleet.shared_env)


def named(
    repo: str,
    repos: Sequence[str] | None,
    repositories: str | None,
    *,
    config: str | None,
    base: str | None,
    shard: str | None,
) -> Fleet | None:
    """The repositories a command's arguments name (``--repo`` more than once,
    ``--repositories FILE`` or ``--shard I/N``), this shard's; None: the one ``repo`` alone."""
    if len(repos or []) <= 1 and not (repositories or shard):
        return None
    listed = gather(repos or ([] if repositories else [repo]), repositories, config=config, base=base)
    return only_shard(listed, shard)


def view(repo: Repository, environ: Mapping[str, str] | None = None) -> EnvView:
    """The environment as ``repo``'s config may read it (see the module's docstring)."""
    return EnvView(os.environ if environ is None else environ, repo.hidden, repo.allowed)


def each(
    items: Sequence[Item], work: Callable[[Item], T], workers: int, url: Callable[[Item], str]
) -> list[T]:
    """``work`` on every repository, at most ``workers`` at once, each one's log lines bound to
    its ``url``; results in the items' order. ``work`` keeps its own failures."""

    def bound(item: Item) -> T:
        with bound_context(repository=url(item)):
            return work(item)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="repo") as pool_exec:
        # each in a copy of the caller's context: what it keeps for its calls (a watch's kept
        # connections, gitops_bot.net.transport.keeping) holds in every repository's thread
        done = [pool_exec.submit(contextvars.copy_context().run, bound, item) for item in items]
        return [d.result() for d in done]
