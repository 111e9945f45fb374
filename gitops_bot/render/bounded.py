"""The one way a tool runs on a repository's content (kubectl kustomize, helm template): the
child environment, stdin closed, a deadline, an output bound, and what the tool started killed
with it."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core import childenv
from gitops_bot.core.record import record

MAX_OUTPUT = 32 * 1024 * 1024  # bytes of rendered YAML read per render
MAX_STDERR = 4096


def read_text(path: Path) -> str | None:
    """A file of the repository as a render reads one: within the output bound, UTF-8; else None."""
    try:
        return path.read_text(encoding="utf-8") if path.stat().st_size <= MAX_OUTPUT else None
    except (OSError, UnicodeDecodeError):
        return None


def application_file(path: Path) -> bool:
    """Whether the file (as text) holds an Argo CD Application."""
    text = read_text(path) or ""
    return "argoproj.io/" in text and re.search(r"^kind:\s*Application\s*$", text, re.MULTILINE) is not None


def copy_target(root: Path, tree: Path, path: Path) -> Path:
    """Where ``path`` (under ``root``) is in ``tree``, the private copy of ``root`` a render
    runs in; OSError where a directory on the way leads out of the copy: a link the repository
    holds absolutely into itself (``ln -s $PWD/charts deploy``) is copied as written, so in the
    copy it leads back into the repository, and the marked render's markers landed in its files."""
    target = tree / path.relative_to(root)
    top, real = os.path.realpath(tree), os.path.realpath(target.parent)
    if real != top and not real.startswith(top + os.sep):
        raise OSError(
            f"{path.relative_to(root).as_posix()} is reached through a link leading out of the copy"
        )
    return target


def write_over(root: Path, tree: Path, texts: Mapping[Path, str]) -> None:
    """``texts`` (path under ``root`` -> text) written over ``tree`` (:func:`copy_target`), each
    replacing what the copy holds there, a link too, never followed."""
    for path, text in texts.items():
        target = copy_target(root, tree, path)
        target.unlink(missing_ok=True)
        target.write_text(text, encoding="utf-8")


class NotRendered(Exception):
    pass


@record
class Exited:
    """A tool's non-zero exit: its status and the first lines it wrote on stderr (each caller
    words its own tool's reason)."""

    status: int
    lines: list[str]


def run_bounded(
    argv: list[str], tmp: Path, timeout: float, label: str, see: str = ""
) -> str | NotRendered | Exited:
    """``argv`` run in ``tmp`` (the private temporary directory of the render) as every tool
    the bot runs on a repository's content is: the child environment (no credential, HOME in
    ``tmp``), stdin closed, killed past ``timeout`` seconds or past :data:`MAX_OUTPUT` bytes
    printed. Its output; else why not in one line (``label`` names the run, ``see`` follows the
    deadline's line), or :class:`Exited` when it exits non-zero."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = childenv.content_env(home)
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        try:
            # a session of its own, so what the tool starts (a shell's children, a plugin) is
            # killed with it: a killed parent left its children writing on
            proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=tmp,
                start_new_session=True,
            )
        except OSError as e:
            return NotRendered(f"cannot run {argv[0]}: {e.strerror}")
        deadline = time.monotonic() + timeout
        exited = _exit_fd(proc.pid)
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    return NotRendered(f"{label} ran past render.timeout ({timeout:g} s){see}")
                if out_path.stat().st_size > MAX_OUTPUT:
                    return NotRendered(f"{label} printed more than {MAX_OUTPUT} bytes")
                # wakes as the tool exits: Popen.wait(timeout) sleeps in doubling steps, 3-7 ms
                # after each run's exit (116 runs a cold init of a large tree)
                if exited is not None:
                    select.select([exited], [], [], 0.02)
                else:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=0.02)
        finally:
            if exited is not None:
                os.close(exited)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the leader is not reaped yet: its group is its own
                proc.wait()
    if proc.returncode != 0:
        with err_path.open("rb") as f:
            return Exited(proc.returncode, f.read(MAX_STDERR).decode("utf-8", "replace").strip().splitlines())
    if out_path.stat().st_size > MAX_OUTPUT:
        return NotRendered(f"{label} printed more than {MAX_OUTPUT} bytes")
    return out_path.read_text(encoding="utf-8", errors="replace")


def _exit_fd(pid: int) -> int | None:
    """A descriptor readable once ``pid`` exits (Linux 5.3's pidfd); None where there is none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
