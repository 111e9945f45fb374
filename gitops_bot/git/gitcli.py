"""Running the git CLI, through one runner (:func:`completed`, a plain ``subprocess.run``):
a command's output or a :class:`GitError` the user can read (its first fatal line, redacted),
a repository's few facts (:class:`Repo`: its git directories, a config value, its origin),
commands fed on stdin, the parsers of ``cat-file --batch`` and
``log --raw`` output, and the per-command credentials (``http.<origin>/.extraHeader`` through
``GIT_CONFIG_COUNT``, never written to ``.git/config``, a URL, a log line or an error).

A token reaches git only for the origin it is bound to (:class:`gitops_bot.core.secret.Secret`):
the header is configured for that origin's URL alone (git's URL-matched ``http.<url>.*``
settings), and ``http.followRedirects=false`` stops git from carrying it along a redirect (git
matches those settings once, against the URL it was given, then sends the header to wherever
the first answer redirected it). A remote that redirects must be given by its final address.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Generic, TypeVar

from gitops_bot.core.errors import GitError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.secret import Origin, Secret

log = get_logger(__name__)


def is_url(repo: str) -> bool:
    return "://" in repo or (re.match(r"^[\w.-]+@[\w.-]+:", repo) is not None)


# The git user a forge names when its token must go as a Bearer token, with no user name
# (Bitbucket Data Center's project and repository access tokens refuse Basic)
BEARER = "(bearer)"


def auth_env(url: str, token: Secret | None, user: str = "x-access-token") -> dict[str, str]:
    """git's environment for the remote ``url``: never a prompt, and ``token`` (with ``user``,
    what the forge wants beside it: GitLab's job token goes with gitlab-ci-token; :data:`BEARER`
    for a Bearer token) only when ``url`` is on an origin the token is bound to."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "LC_ALL": "C"}
    origin = Origin.of(url)
    if token is None or origin is None or origin.scheme != "https":
        return env
    if not token.allows(url):
        log.warning("git_token_withheld", remote=str(origin), token=repr(token))
        return env
    if user == BEARER:
        header = "Authorization: Bearer " + token.value
    else:
        userpass = base64.b64encode(f"{user}:{token.value}".encode()).decode()
        Secret(userpass, token.bound_to, token.source)  # the encoded form is a secret too
        header = "Authorization: Basic " + userpass
    env.update(
        {
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": f"http.{origin.url()}.extraHeader",
            "GIT_CONFIG_VALUE_0": header,
            "GIT_CONFIG_KEY_1": "http.followRedirects",
            "GIT_CONFIG_VALUE_1": "false",
        }
    )
    return env


def run(cwd: Repo | Path | str, *args: str, env: dict[str, str] | None = None, what: str) -> str:
    """``git ARGS`` in ``cwd``: its output as text (one trailing newline dropped), or the
    :class:`GitError` of :func:`failure`."""
    proc = completed(list(args), cwd=str(cwd.path if isinstance(cwd, Repo) else cwd), env=env)
    if proc.returncode != 0:
        raise failure(what, (proc.stdout + b"\n" + proc.stderr).decode(errors="replace"), proc.returncode)
    return proc.stdout.decode(errors="replace").removesuffix("\n")


class Repo:
    """A repository (a working tree's root, or a bare repository) driven through the git CLI."""

    def __init__(self, path: Path | str, dirs: tuple[Path, Path] | None = None) -> None:
        """``dirs``: its git directory and common directory, when the bot made them and knows
        them (:meth:`bare`, :meth:`linked`); otherwise git is asked where they are."""
        self.path = path if isinstance(path, Path) else Path(path)  # the same object: see store._worktree
        if not self.path.is_dir():
            raise GitError(f"{path} is not a directory", hint="point --repo at a clone or a URL")
        if dirs is None:
            out = run(self.path, "rev-parse", "--absolute-git-dir", "--git-common-dir", what="rev-parse")
            git_dir, common = out.splitlines()[:2]
            absolute = Path(common) if os.path.isabs(common) else (self.path / common).resolve()
            dirs = Path(git_dir), absolute
        self.git_dir, self.common_dir = dirs
        self._config: dict[str, str] | None = None

    # The two kinds of repository the bot makes itself (its cache's bare clone, the linked
    # worktrees it adds) say where their git directories are in files git's repository layout
    # documents (gitrepository-layout(5)): read there, they cost no ``rev-parse`` process. A
    # session opened both with one each, two of the seven processes of a watch's cycle over
    # an unchanged repository.

    @classmethod
    def bare(cls, path: Path) -> Repo:
        """The bare repository at ``path`` (the cache's clone): its own git and common directory."""
        if not (path / "HEAD").is_file() or not (path / "objects").is_dir():
            return cls(path)  # not what a bare clone leaves: git says what it is
        here = path.resolve()
        return cls(path, (here, here))

    @classmethod
    def linked(cls, path: Path) -> Repo:
        """The linked worktree at ``path``: its ``.git`` file names its git directory
        (``gitdir: DIR``), whose ``commondir`` file names the store's, relative to it. Where
        either is not there (a worktree whose store was cloned again since), git is asked, and
        says what is wrong."""
        try:
            line = (path / ".git").read_text(encoding="utf-8").strip()
            if line.startswith("gitdir: "):
                git_dir = (path / line.removeprefix("gitdir: ")).resolve()
                common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
                if (git_dir / "HEAD").is_file() and (common / "objects").is_dir():
                    return cls(path, (git_dir, common))
        except (OSError, UnicodeDecodeError):
            pass
        return cls(path)

    def run(self, *args: str, env: dict[str, str] | None = None, what: str = "") -> str:
        return run(self.path, *args, env=env, what=what or args[0])

    def ok(self, *args: str) -> str | None:
        """The output of a command that may fail; None when it does."""
        proc = completed(list(args), cwd=str(self.path))
        return proc.stdout.decode(errors="replace").removesuffix("\n") if proc.returncode == 0 else None

    def raw(self, *args: str) -> bytes:
        """A command's output as bytes, exactly (``cat-file blob``)."""
        proc = completed(list(args), cwd=str(self.path))
        if proc.returncode != 0:
            raise failure(args[0], proc.stderr.decode(errors="replace"), proc.returncode)
        return proc.stdout

    def config(self, key: str) -> str | None:
        """``git config --get KEY`` over every level (system, global, the repository's), from
        one listing of them a Repo: a run asks its store three to five keys (how objects are
        written, line endings, attributes, the remote), each a git process of its own before
        (of the 21 a watch cycle over an unchanged repository started, 18 now)."""
        if self._config is None:
            self._config = self._listing()
        return self._config.get(_canonical(key))

    def _listing(self) -> dict[str, str]:
        """The listing of every level, kept across Repos of one repository (a watch opens its
        store every cycle) while every file git reads it from holds the same bytes and the
        environment that names them is the same (:func:`_config_files`)."""
        where = f"{self.common_dir}\0{self.git_dir}"
        files = _config_files(self.git_dir, self.common_dir)
        kept = _kept_configs.get(where, files)
        if kept is not None:
            return kept
        config: dict[str, str] = {}
        for entry in (self.ok("config", "-z", "--list") or "").split("\0"):
            name, _, value = entry.partition("\n")
            if name:  # the last of a key set twice wins, as --get answers
                config[_canonical(name)] = value
        # an include names files of its own, some only under a condition: not kept
        included = any(k.startswith(("include.", "includeif.")) for k in config)
        if files is not None and not included and files == _config_files(self.git_dir, self.common_dir):
            _kept_configs.put(where, files, config)
        return config

    def origin_url(self) -> str | None:
        return self.config("remote.origin.url")


_V = TypeVar("_V")


class KeptByContent(Generic[_V]):
    """Values kept across runs of one process, each by a key and what it was made from: one
    is taken while what it would be made from is the same, at most ``bound`` kept, the least
    recently used forgotten first. Shared between threads; what it keeps is never changed."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._kept: OrderedDict[str, tuple[object, _V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, made_from: object | None) -> _V | None:
        """What was made from ``made_from`` under ``key``; None where nothing was, or where
        ``made_from`` is None (not known: nothing is taken)."""
        if made_from is None:
            return None
        with self._lock:
            got = self._kept.get(key)
            if got is None or got[0] != made_from:
                return None
            self._kept.move_to_end(key)
            return got[1]

    def put(self, key: str, made_from: object, value: _V) -> None:
        with self._lock:
            self._kept[key] = (made_from, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.bound:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


# A repository's configuration listing (its common and git directories), kept by the bytes of
# every file git reads configuration from and the environment naming them: the same files say
# the same. One entry a repository, the least recently used forgotten past KEPT_CONFIGS.
KEPT_CONFIGS = 256
_kept_configs: KeptByContent[dict[str, str]] = KeptByContent(KEPT_CONFIGS)
# the environment git finds its configuration files and settings by (git-config(1), git(1))
_NAMING = (
    "HOME",
    "XDG_CONFIG_HOME",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_DIR",
    "GIT_COMMON_DIR",
    "GIT_WORK_TREE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)
_system: list[str | None] = []  # git's system file, once asked (None: not known)


def _config_files(git_dir: Path, common: Path) -> tuple[object, ...] | None:
    """The environment git finds its configuration by (:data:`_NAMING` and what
    ``GIT_CONFIG_COUNT`` sets), and what each file it may read holds
    (None where missing): the system file, the global ones (``GIT_CONFIG_GLOBAL``, the XDG
    one, ``~/.gitconfig``), the repository's and its worktree's. None where that is not known
    to be all: the system file's path unknown, a file that cannot be read."""
    env = os.environ
    system = env.get("GIT_CONFIG_SYSTEM") or _system_file()
    if system is None:
        return None
    home, xdg = env.get("HOME"), env.get("XDG_CONFIG_HOME")
    paths = [system, env.get("GIT_CONFIG_GLOBAL"), str(common / "config"), str(git_dir / "config.worktree")]
    paths += [os.path.join(xdg, "git", "config") if xdg else None]
    paths += (
        [os.path.join(home, ".config", "git", "config"), os.path.join(home, ".gitconfig")] if home else []
    )
    out: list[object] = [tuple(env.get(name) for name in _NAMING)]
    count = env.get("GIT_CONFIG_COUNT", "")
    if count.isdigit() and int(count) > 256:
        return None
    for i in range(int(count) if count.isdigit() else 0):  # what GIT_CONFIG_COUNT sets
        out.append((env.get(f"GIT_CONFIG_KEY_{i}"), env.get(f"GIT_CONFIG_VALUE_{i}")))
    for path in paths:
        if path is None:
            continue
        try:
            with open(path, "rb") as f:
                out.append((path, f.read()))
        except FileNotFoundError:
            out.append((path, None))
        except OSError:
            return None
    return tuple(out)


def _system_file() -> str | None:
    """The system-wide file git reads (where it was built to: ``/etc/gitconfig`` for most),
    asked once: as the origin of its entries, or as named where git cannot read it; None where
    neither says it (an empty file)."""
    if not _system:
        proc = completed(
            ["config", "--system", "--show-origin", "-z", "--list"], cwd="/", env={"LC_ALL": "C"}
        )
        out = proc.stdout.decode("utf-8", "surrogateescape")
        if proc.returncode == 0 and out.startswith("file:"):
            _system.append(out.removeprefix("file:").partition("\0")[0])
        else:
            m = re.search(
                r"unable to read config file '(.+)': ", proc.stderr.decode("utf-8", "surrogateescape")
            )
            _system.append(m.group(1) if m else None)
    return _system[0]


def _canonical(key: str) -> str:
    """A config key as git compares them: its section and name in any case, its subsection
    (``remote.Origin.url``) as written."""
    section, _, rest = key.partition(".")
    sub, _, name = rest.rpartition(".")
    return f"{section.lower()}.{sub + '.' if sub else ''}{name.lower()}"


def failure(what: str, output: str, status: object) -> GitError:
    """A failed git command as the error the user reads: its first fatal/error line (or its
    last line), redacted; the whole output, redacted, as the detail."""
    text = redact(output)
    lines = [ln.strip(" '\t") for ln in text.splitlines()]
    useful = [ln for ln in lines if ln and not ln.startswith("hint:")]
    reason = next((ln for ln in useful if ln.startswith(("fatal:", "error:", "!"))), None)
    reason = reason or (useful[-1] if useful else f"exit {status}")
    hint = "check the remote URL, the token and the network"
    if re.search(r"returned error: 30[12378]\b", reason):
        hint = (
            "the remote redirects to another address; with a token git follows no redirect (the "
            "token would go along to wherever it points): give the repository's final URL"
        )
    return GitError(f"git {what} failed: {reason}", hint=hint, detail=text)


def raw_before(diff: str) -> tuple[tuple[str, str | None], ...]:
    """``git log --raw`` lines (``:100644 100644 OLD NEW M<TAB>path``) -> (path, OLD or None)."""
    out = []
    for line in diff.splitlines():
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        old = meta.split()[2]
        out.append((path, None if set(old) == {"0"} else old))
    return tuple(out)


def parse_batch(data: bytes) -> dict[str, bytes]:
    """``git cat-file --batch`` output: ``<id> <type> <size>\\n<content>\\n`` per object."""
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos : pos + size]
        pos += size + 1
    return out


# what the repository's content names is never fetched by a git command the bot runs: no
# submodule (whatever the operator's git config says), and no LFS object when a checkout
# writes files (GIT_LFS_SKIP_SMUDGE: the pointer files are what the bot reads); only the
# remote the bot was pointed at is ever asked
CONTENT_LOCAL = ("-c", "submodule.recurse=false", "-c", "fetch.recurseSubmodules=false")


def completed(
    args: list[str], data: bytes | None = None, *, cwd: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` (stdin ``data``) in ``cwd`` and return it, whatever its exit status."""
    log.debug("git", command=args[0], args=redact(" ".join(args[:12])))
    return subprocess.run(
        ["git", *CONTENT_LOCAL, *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "GIT_LFS_SKIP_SMUDGE": "1", **(env or {})},
        check=False,
    )


def git_input(
    args: list[str], data: bytes, *, cwd: str, env: dict[str, str] | None = None, what: str = "cat-file"
) -> bytes:
    """A git command fed on stdin, its output as bytes."""
    proc = completed(args, data, cwd=cwd, env=env)
    if proc.returncode != 0:
        reason = redact(proc.stderr.decode(errors="replace")).strip().splitlines() or [
            f"exit {proc.returncode}"
        ]
        raise GitError(
            f"git {what} failed: {reason[-1]}", hint="check the remote URL, the token and the network"
        )
    return proc.stdout
