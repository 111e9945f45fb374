"""The artifacts users install, made in scratch directories the way they are made for real: the
wheel (built from the files the Dockerfile's build context holds), a fresh virtualenv with it
and no extras, the Action's install step, the Dockerfile's build stage.

Each is made once per test run and shared by the pytest-xdist workers: the first worker to need
one builds it under a file lock, the others wait and reuse it. The key is a digest of the
sources, so a change to the package always gets a fresh build.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what .dockerignore lets through
BUILD_CONTEXT = ("pyproject.toml", "README.md", "requirements.lock", "requirements", "gitops_bot")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def _files(names: tuple[str, ...], root: Path = ROOT) -> Iterator[Path]:
    for name in names:
        path = root / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        else:
            yield path


def source_key(*extra: str) -> str:
    h = hashlib.sha256()
    for path in _files((*BUILD_CONTEXT, *extra)):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """One holder at a time of ``path`` (a lock file), across processes."""
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def shared(root: Path, name: str, make: Callable[[Path], None]) -> Path:
    """``root/name``, made by ``make`` once for all workers (a crashed build is redone)."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    with locked(root / f"{name}.lock"):
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            make(target)
            (target / ".complete").write_text("")
    return target


def copy_tree(dest: Path, names: tuple[str, ...] = BUILD_CONTEXT, root: Path = ROOT) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=_IGNORE)
        else:
            shutil.copy2(src, dest / name)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points into the dev venv or the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(extra)
    return env


def run(argv: list[str], *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(
        argv, cwd=cwd, env=dict(env or clean_env()), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise AssertionError(f"{shlex.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def base_python() -> str:
    """The interpreter the dev venv was made from: a fresh venv must not inherit the dev one."""
    return getattr(sys, "_base_executable", sys.executable)


def container_python() -> str:
    """A Python 3.11 that uid 10001 may run (pyenv's under /root is private to root): the image's
    own is a system-wide install too."""
    for candidate in (base_python(), "/usr/local/bin/python3.11", "/usr/bin/python3.11"):
        path = Path(candidate).resolve()
        if path.exists() and all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents]):
            return candidate
    raise AssertionError("no Python 3.11 that other users can run (apt install python3-venv)")


def make_venv(path: Path) -> Path:
    run([base_python(), "-m", "venv", str(path)], cwd=path.parent)
    return path


def build_wheel(dest: Path, root: Path = ROOT) -> Path:
    """The wheel of a copy of the build context of ``root`` (only what a checkout holds, none of
    the source tree's stray files), built as the Action builds it: ``uv build`` with the
    backend uv bundles (pyproject's uv_build); a tree still on setuptools (an older commit's)
    builds with this venv's, without a download either."""
    src = copy_tree(dest / "src", root=root)
    uv = [str(Path(sys.executable).parent / "uv"), "build", "--quiet", "--wheel", "--no-build-isolation"]
    env = clean_env(UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1")
    run([*uv, "--python", sys.executable, "--out-dir", str(dest), "."], cwd=src, env=env)
    shutil.rmtree(src)
    (wheel,) = dest.glob("gitops_bot-*.whl")
    return wheel


def install_wheel(venv: Path, wheel: Path) -> None:
    """What the README tells users: ``pip install`` of the package, no extras."""
    make_venv(venv)
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", str(wheel)], cwd=venv)


# -- the Dockerfile ----------------------------------------------------------------------------


def dockerfile_stages(text: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", text)
    return re.split(r"^FROM ", joined, flags=re.MULTILINE)[1:]


def instructions(stage: str, keyword: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^{keyword}\s+(.*)$", stage, re.MULTILINE)]


def env_of(stage: str) -> dict[str, str]:
    """A stage's ``ENV k=v ...`` lines (values may name earlier ones as $NAME)."""
    out: dict[str, str] = {}
    for line in instructions(stage, "ENV"):
        for word in shlex.split(line):
            key, _, value = word.partition("=")
            out[key] = value
    return out


def run_flags(line: str) -> tuple[dict[str, str], str]:
    """A ``RUN`` line's BuildKit cache mounts (target -> id) and its command."""
    mounts: dict[str, str] = {}
    while m := re.match(r"--mount=(\S+)\s+", line):
        opts = {key: value for key, _, value in (o.partition("=") for o in m.group(1).split(","))}
        assert opts.get("type") == "cache", f"only cache mounts are reproduced: {m.group(0)}"
        mounts[opts["target"]] = opts.get("id", opts["target"])
        line = line[m.end() :]
    return mounts, line


def stage_name(stage: str) -> str:
    """``build`` for a stage that starts ``FROM image AS build`` ("" for an unnamed one)."""
    m = re.match(r"\S+\s+AS\s+(\S+)", stage, re.IGNORECASE)
    return m.group(1) if m else ""


def copy_from(line: str) -> tuple[str, list[str], str] | None:
    """A ``COPY --from=STAGE SRC... DEST`` line's parts (None for a copy from the context)."""
    m = re.match(r"--from=(\S+)\s+(.*)$", line)
    if not m:
        return None
    *sources, target = shlex.split(m.group(2))
    return m.group(1), sources, target


def container_build(dest: Path, dockerfile: str) -> dict[str, str]:
    """Run the Dockerfile's stages before the final one, in order, each with its WORKDIR at a
    copy of what it COPYs from the build context, its absolute paths (``/opt/...``, ``/dist``)
    under ``dest/stages/NAME`` (the last one's ``/opt`` at ``dest/opt``, which the final stage
    copies) and the cache mounts under ``dest/mounts``, shared by all stages as BuildKit shares
    them; ``COPY --from=STAGE`` copies from that stage's directories. Returns the final stage's
    environment for that prefix (``/cache`` at ``dest/cache``). ``PIP_NO_CACHE_DIR`` is left
    out: pip's cache only makes the test faster, it does not change what is installed."""
    *builds, final = dockerfile_stages(dockerfile)
    from_context = {
        src
        for stage in builds
        for line in instructions(stage, "COPY")
        if copy_from(line) is None
        for src in shlex.split(line)[:-1]
    }
    assert from_context == set(BUILD_CONTEXT), (
        f"the build stages copy {from_context}, this reproduction {BUILD_CONTEXT}"
    )
    shims = dest / "shims"  # the image's `python`
    shims.mkdir(parents=True)
    (shims / "python").symlink_to(container_python())
    mounts_root = dest / "mounts"
    places: dict[str, dict[str, str]] = {}  # stage name -> image path -> local path

    def here(text: str, stage: str) -> str:
        for image_path, local in places[stage].items():
            # an absolute path only: `/dist` but not `./dist` or `dist/`
            text = re.sub(rf"(?<![\w./-]){re.escape(image_path)}(?=[/\s]|$)", local, text)
        return text

    for index, stage in enumerate(builds):
        name = stage_name(stage) or str(index)
        root = dest / "stages" / name
        src = root / "src"
        src.mkdir(parents=True)
        runs = [run_flags(line) for line in instructions(stage, "RUN")]
        opt = dest / "opt" if index == len(builds) - 1 else root / "opt"
        places[name] = {"/opt": str(opt)}
        for m in re.finditer(r"--out-dir\s+(/\S+)", stage):
            places[name][m.group(1)] = str(root / m.group(1).strip("/"))
        for mounts, _ in runs:
            places[name].update(
                {target: str(mounts_root / mount.strip("/")) for target, mount in mounts.items()}
            )
        env = clean_env(**{k: here(v, name) for k, v in env_of(stage).items() if k != "PIP_NO_CACHE_DIR"})
        env["PATH"] = f"{shims}{os.pathsep}{env['PATH']}"
        # the instructions in the order they are written
        for m in re.finditer(r"^(COPY|RUN)\s+(.*)$", stage, re.MULTILINE):
            keyword, line = m.group(1), m.group(2).strip()
            if keyword == "RUN":
                _, cmd = run_flags(line)
                run(["sh", "-ec", here(cmd, name)], cwd=src, env=env)
            elif (parts := copy_from(line)) is not None:
                other, sources, target = parts
                assert other in places, f"COPY --from={other}: no earlier stage of that name"
                into = src / target
                into.mkdir(parents=True, exist_ok=True)
                for source in sources:
                    matched = sorted(Path("/").glob(here(source, other).lstrip("/")))
                    assert matched, f"COPY --from={other} {source}: nothing there"
                    for path in matched:
                        shutil.copy2(path, into / path.name)
            else:
                copy_tree(src, tuple(shlex.split(line)[:-1]))
    runtime = {}
    last = stage_name(builds[-1]) or str(len(builds) - 1)
    for key, value in env_of(final).items():
        value = here(value, last).replace("$PATH", "/usr/bin:/bin")
        runtime[key] = str(dest / "cache") if value == "/cache" else value
    return runtime
