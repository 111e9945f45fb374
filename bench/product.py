"""The product users install, built once for the benchmarks that run ``gitops-bot`` as a user would.

The dev venv (``.venv``: an editable install with the test and dev extras) is not what users
run: there httpx imports its command-line module (click, rich, pygments) because the dev extras
install click, and the editable package is compiled afresh on every start when the environment
says PYTHONDONTWRITEBYTECODE. Users run the container or the Action: a venv holding
``requirements.lock`` installed ``--no-deps --require-hashes``, then the package's wheel without
its dependencies, then byte-compiled (the Dockerfile's build stage). This module builds that
venv under the bench's cache directory, with the interpreter the dev venv was made from:

- built anew when there is none yet, when ``requirements.lock`` or the interpreter changed, or
  when the last build did not finish;
- the package alone reinstalled (from a fresh wheel) when its sources changed
  (``gitops_bot/**`` and ``pyproject.toml``);
- reused as it is otherwise.

:func:`installed_env` is the environment a benchmark runs the product in: this process's, less
every ``PYTHON*`` variable (PYTHONDONTWRITEBYTECODE above all) and what points into the dev venv.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from testkit import shipped

ROOT = Path(__file__).resolve().parents[1]
LOCK = "requirements.lock"
SOURCES = ("gitops_bot", "pyproject.toml")  # what the wheel is made of; README.md only describes it
STATE = "product.json"  # the keys of the finished build, written last

Action = Literal["build", "reinstall", "reuse"]


@dataclass(frozen=True)
class Keys:
    lock: str  # requirements.lock and the interpreter: what the venv's dependencies are
    source: str  # the package's sources: what its wheel is


def _digest(parts: Iterator[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in parts:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def _files(root: Path, names: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    for name in names:
        path = root / name
        found = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in found:
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                yield f.relative_to(root).as_posix(), f.read_bytes()


def keys(root: Path = ROOT, python: str | None = None) -> Keys:
    python = python or shipped.base_python()
    identity = f"{os.path.realpath(python)} {sys.version}".encode()
    lock = _digest(iter([("interpreter", identity), *_files(root, (LOCK,))]))
    return Keys(lock=lock, source=_digest(_files(root, SOURCES)))


def decide(recorded: Keys | None, current: Keys, venv_runs: bool) -> Action:
    """What to do with the cached product: ``recorded`` is the finished build's keys (None:
    none finished), ``venv_runs`` whether its ``gitops-bot`` is still there."""
    if recorded is None or not venv_runs or recorded.lock != current.lock:
        return "build"
    return "reinstall" if recorded.source != current.source else "reuse"


def read_state(folder: Path) -> Keys | None:
    try:
        data = json.loads((folder / STATE).read_text())
        return Keys(lock=str(data["lock"]), source=str(data["source"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def installed_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: this process's) as an installed product sees it: no PYTHON*
    variable (PYTHONDONTWRITEBYTECODE would have it compile its modules on every start,
    PYTHONPATH could add the source tree), no VIRTUAL_ENV, the dev venv's bin off PATH."""
    env = {
        k: v for k, v in (os.environ if environ is None else environ).items() if not k.startswith("PYTHON")
    }
    env.pop("VIRTUAL_ENV", None)
    dev_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != dev_bin)
    return env


def _run(argv: list[str], cwd: Path) -> None:
    shipped.run(argv, cwd=cwd, env={**installed_env(), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, timeout=900)


def _wheel(root: Path, dest: Path) -> Path:
    """The package's wheel, as the shipped-artifact tests build it (from a copy of the tree)."""
    return shipped.build_wheel(dest, root)


def _install_package(root: Path, venv: Path) -> None:
    python = str(venv / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="gitops-bot-wheel-") as tmp:
        wheel = _wheel(root, Path(tmp))
        pip = [python, "-m", "pip", "install", "-q", "--no-compile", "--no-deps"]
        _run([*pip, "--force-reinstall", str(wheel)], cwd=venv)
    _run([python, "-m", "pip", "check"], cwd=venv)  # the lock still fits the package
    _run([python, "-m", "compileall", "-q", str(venv)], cwd=venv)  # the changed modules only


def product(cache: Path, root: Path = ROOT, say: Callable[[str], None] = print) -> Path:
    """The product's ``gitops-bot`` under ``cache/product``, built, updated or reused (see the
    module's docstring)."""
    folder = cache.resolve() / "product"
    folder.mkdir(parents=True, exist_ok=True)
    venv = folder / "venv"
    exe = venv / "bin" / "gitops-bot"
    with shipped.locked(folder / "build.lock"):
        current = keys(root)
        action = decide(read_state(folder), current, exe.is_file() and os.access(exe, os.X_OK))
        if action == "reuse":
            return exe
        say(f"product venv: {action} at {venv}")
        (folder / STATE).unlink(missing_ok=True)  # an interrupted build is redone whole next time
        if action == "build":
            shutil.rmtree(venv, ignore_errors=True)
            _run([shipped.base_python(), "-m", "venv", str(venv)], cwd=folder)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", "--no-deps"]
            _run([*pip, "--require-hashes", "-r", str(root / LOCK)], cwd=folder)
        _install_package(root, venv)
        tmp = folder / f"{STATE}.tmp"
        tmp.write_text(json.dumps(asdict(current)))
        tmp.replace(folder / STATE)
    return exe
