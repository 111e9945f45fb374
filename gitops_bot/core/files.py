"""Reading and writing manifest files byte for byte: no newline translation, atomic
replacement (temp file + rename) with the file's mode kept.

Paths from the repository are hostile until checked: :func:`inside` is the one containment
check (symlinks resolved, the result must stay under the repository root), and
:func:`write_atomic` writes through a symlink to its target, never replacing the link."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core.errors import UsageError


def cache_dir(environ: Mapping[str, str]) -> Path:
    """Where the bot keeps what survives a run (clones of ``--repo URL``, rendered
    kustomizations): ``GITOPS_BOT_CACHE``, else the XDG cache (a volume in a container)."""
    if environ.get("GITOPS_BOT_CACHE"):
        return Path(environ["GITOPS_BOT_CACHE"])
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitops-bot"


def read_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def inside(root: Path, path: Path) -> Path:
    """``path`` if, with every symlink resolved, it stays under ``root``; else exit 2 naming it.
    Every path the bot reads or writes in a repository goes through here."""
    if _below_without_links(root, path):
        return path
    try:
        real_root, real = root.resolve(), path.resolve()
    except (RuntimeError, OSError) as e:  # a link loop (RuntimeError on 3.11, ELOOP later)
        raise UsageError(
            f"{path}: a symbolic link that leads back to itself (a link loop)",
            hint="point the link at a file or directory in the repository, or remove it; nothing was changed",
        ) from e
    if real != real_root and real_root not in real.parents:
        raise UsageError(
            f"{path}: resolves to {real}, outside the repository {root}",
            hint="a symlink in the repository points outside it; nothing was changed",
        )
    return path


def _below_without_links(root: Path, path: Path) -> bool:
    """Whether ``path`` is ``root`` joined with names (no ``..``) none of which is a symbolic
    link: then it is under ``root`` wherever ``root`` really is, and neither needs resolving
    (every directory above the repository looked at again, for each of hundreds of paths).
    A name not there ends it: nothing under it is there to be a link."""
    parts, top = path.parts, root.parts
    if len(parts) == len(top) or parts[: len(top)] != top or ".." in parts[len(top) :]:
        return False
    here = str(root)
    for name in parts[len(top) :]:
        here = os.path.join(here, name)
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                return False
        except FileNotFoundError:
            return True
        except OSError:  # a loop above, no permission: resolved whole, said as it says
            return False
    return True


def from_config(config_root: Path, name: str) -> Path:
    """A file ``gitops-bot.yaml`` names (a key, a CA, a trusted root): a relative path is read
    from the config's directory and, symlinks resolved, must stay inside it (exit 2 naming it);
    an absolute one is the operator's own mount (``/run/secrets/...``) and is read as given."""
    path = Path(name)
    return path if path.is_absolute() else inside(config_root, config_root / path)


def write_atomic(path: Path, text: str, *, expected: str | None = None) -> None:
    """Readers see the old file or the new one, never a half-written one (temp file + rename).
    A symlink is written through to its target and stays a link. With ``expected`` (the text
    the edit was made from), a file changed meanwhile or not writable is refused, not replaced.
    No fsync: these are working-tree files that git itself does not fsync, and every edit is
    re-derived from the plan on the next run; fsync tripled the cost of an edit."""
    path = path.resolve()
    if expected is not None:
        _unchanged(path, expected)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}", hint="nothing was changed") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        if expected is not None:
            _unchanged(path, expected)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror}", hint="nothing was changed") from None
        raise


def _unchanged(path: Path, expected: str) -> None:
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        raise UsageError(f"{path} is read-only", hint="make it writable to edit it; nothing was changed")
    if read_text(path) != expected:
        raise UsageError(f"{path} changed while it was being edited", hint="run again; nothing was changed")


def write_or_remove(path: Path, text: str) -> bool:
    """A canonical file's new text: written atomically, or the file deleted when ``text`` is
    empty; True when its bytes changed (the same text twice changes nothing)."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if not text:
        if old is None:
            return False
        path.unlink()
        return True
    if old == text:
        return False
    write_atomic(path, text)
    return True


class Reals:
    """Where each path under a root really is (every symbolic link resolved), found a directory
    at a time: a path's real place is its directory's (found once) and its name, one ``lstat``
    telling whether the name is a link, only then resolved whole. A reading asks it of hundreds
    of paths under the same few directories, and resolving each whole lstat'ed every directory
    above it again (a third of a warm reading's time)."""

    def __init__(self, given: Path) -> None:
        self.given = given
        self.root = given.resolve()
        self._under = os.path.join(str(self.root), "")  # "/repo/": what a path inside starts with
        self._known: dict[Path, Path | None] = {given.absolute(): self.root}  # None: a link on the way loops
        self._inside: dict[Path, bool] = {}

    def inside(self, path: Path) -> bool:
        """Whether ``path``, links resolved, is the root or under it (a loop: not)."""
        got = self._inside.get(path)
        if got is None:
            real = self.of(path)
            got = real is not None and (real == self.root or str(real).startswith(self._under))
            self._inside[path] = got
        return got

    def of(self, path: Path) -> Path | None:
        """``path`` with every link resolved, as :meth:`Path.resolve` gives it (a name not there
        joined as written); None when a link on it loops."""
        path = path if path.is_absolute() else Path.cwd() / path
        todo: list[Path] = []
        at = path
        while at not in self._known and at.parent != at:
            todo.append(at)
            at = at.parent
        real = self._known.get(at, at)  # the filesystem's root, or a place found before
        for step in reversed(todo):
            if real is not None:
                if step.name == "..":
                    real = real.parent
                else:
                    real = real / step.name
                    try:
                        link = stat.S_ISLNK(os.lstat(real).st_mode)
                    except OSError:
                        link = False  # not there (or not a directory on the way): as written
                    if link:
                        real = resolved(real)
            self._known[step] = real
        return real


def resolved(path: Path) -> Path | None:
    """``path`` with every link resolved; None when a link on it loops (pathlib raises
    RuntimeError for that on Python 3.11, OSError ELOOP on later versions)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None
