"""The benchmarks' product venv (``bench/product.py``): built anew only when the locked
dependencies or the interpreter change, or the last build did not finish; the package alone
reinstalled when its sources change; reused otherwise; and run in an environment with no
PYTHON* variable and nothing pointing into the dev venv."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testkit.paths import bench_module, write

product = bench_module("product")
Keys = product.Keys


def _tree(root: Path) -> Path:
    write(root / "requirements.lock", "httpx==0.28.1 \\\n    --hash=sha256:00\n")
    write(root / "pyproject.toml", '[project]\nname = "gitops-bot"\n')
    write(root / "README.md", "# gitops-bot\n")
    write(root / "gitops_bot" / "__init__.py", "")
    write(root / "gitops_bot" / "cli.py", "def main() -> int:\n    return 0\n")
    return root


@pytest.mark.parametrize(
    ("recorded", "venv_runs", "expected"),
    [
        (None, True, "build"),  # no build finished (none yet, or one interrupted)
        (Keys(lock="L0", source="S"), True, "build"),  # the lock or the interpreter changed
        (Keys(lock="L0", source="S0"), True, "build"),
        (Keys(lock="L", source="S"), False, "build"),  # the venv's gitops-bot is gone
        (Keys(lock="L", source="S0"), True, "reinstall"),  # the package's sources changed
        (Keys(lock="L", source="S"), True, "reuse"),
    ],
)
def test_what_the_cached_product_needs_follows_from_its_recorded_keys(
    recorded: object, venv_runs: bool, expected: str
) -> None:
    assert product.decide(recorded, Keys(lock="L", source="S"), venv_runs) == expected


def test_the_lock_key_follows_the_lock_and_the_interpreter_the_source_key_the_package(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree")
    python = sys.executable
    first = product.keys(root, python)
    assert product.keys(root, python) == first  # the same tree, the same keys

    # compiled files and the README are not what the wheel's code is made of
    write(root / "gitops_bot" / "__pycache__" / "cli.cpython-311.pyc", "compiled")
    write(root / "README.md", "# gitops-bot, described anew\n")
    assert product.keys(root, python) == first

    write(root / "gitops_bot" / "cli.py", "def main() -> int:\n    return 1\n")
    edited = product.keys(root, python)
    assert edited.lock == first.lock and edited.source != first.source

    write(root / "gitops_bot" / "gitops-bot.schema.json", "{}")  # package data counts too
    added = product.keys(root, python)
    assert added.lock == first.lock and added.source not in (first.source, edited.source)

    write(root / "pyproject.toml", '[project]\nname = "gitops-bot"\nversion = "2"\n')
    assert product.keys(root, python).source != added.source

    write(root / "requirements.lock", "httpx==0.28.2 \\\n    --hash=sha256:01\n")
    relocked = product.keys(root, python)
    assert relocked.lock != first.lock

    other = tmp_path / "python3"
    other.symlink_to("/bin/true")
    assert product.keys(root, str(other)).lock != relocked.lock


def test_a_build_a_reuse_a_reinstall_and_an_interrupted_build_run_what_each_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "tree")
    ran: list[str] = []

    def run(argv: list[str], cwd: Path) -> None:
        step = " ".join(argv[argv.index("-m") + 1 :]) if "-m" in argv else " ".join(argv)
        ran.append(step.split(" /")[0])  # the step, without its paths
        if argv[1:3] == ["-m", "venv"]:
            exe = Path(argv[3]) / "bin" / "gitops-bot"
            write(exe, "#!/bin/sh\n").chmod(0o755)

    monkeypatch.setattr(product, "_run", run)
    monkeypatch.setattr(product, "_wheel", lambda root, dest: dest / "gitops_bot-0.1.0-py3-none-any.whl")
    said: list[str] = []
    cache = tmp_path / "cache"
    lock = "pip install -q --no-compile --no-deps --require-hashes -r"
    package = ["pip install -q --no-compile --no-deps --force-reinstall", "pip check", "compileall -q"]

    exe = product.product(cache, root, said.append)
    assert exe == cache.resolve() / "product" / "venv" / "bin" / "gitops-bot"
    assert ran == ["venv", lock, *package]
    assert said == [f"product venv: build at {exe.parents[1]}"]

    ran.clear()
    assert product.product(cache, root, said.append) == exe
    assert ran == []  # nothing changed: the venv as it is

    write(root / "gitops_bot" / "cli.py", "def main() -> int:\n    return 2\n")
    assert product.product(cache, root, said.append) == exe
    assert ran == package  # the package alone, its dependencies kept
    ran.clear()

    write(root / "requirements.lock", "httpx==0.28.2 \\\n    --hash=sha256:01\n")
    product.product(cache, root, said.append)
    assert ran == ["venv", lock, *package]
    ran.clear()

    def interrupted(argv: list[str], cwd: Path) -> None:
        if "check" in argv:
            raise SystemExit("pip check failed")
        run(argv, cwd)

    write(root / "gitops_bot" / "cli.py", "def main() -> int:\n    return 3\n")
    monkeypatch.setattr(product, "_run", interrupted)
    with pytest.raises(SystemExit):
        product.product(cache, root, said.append)
    assert product.read_state(cache / "product") is None
    monkeypatch.setattr(product, "_run", run)
    ran.clear()
    product.product(cache, root, said.append)
    assert ran == ["venv", lock, *package]  # a build that did not finish is redone whole
    assert [line.split(" at ")[0].removeprefix("product venv: ") for line in said] == [
        "build",
        "reinstall",
        "build",
        "reinstall",  # the one interrupted
        "build",
    ]


def test_a_missing_or_unreadable_record_is_no_finished_build(tmp_path: Path) -> None:
    assert product.read_state(tmp_path) is None
    for text in ("", "{", "[]", '{"lock": "L"}'):
        (tmp_path / product.STATE).write_text(text)
        assert product.read_state(tmp_path) is None
    (tmp_path / product.STATE).write_text('{"lock": "L", "source": "S"}')
    assert product.read_state(tmp_path) == Keys(lock="L", source="S")


def test_the_product_runs_without_python_variables_or_the_dev_venv() -> None:
    dev_bin = str(Path(sys.executable).parent)
    given = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": "/src",
        "PYTHONUNBUFFERED": "1",
        "VIRTUAL_ENV": str(Path(sys.executable).parents[1]),
        "PATH": os.pathsep.join([dev_bin, "/usr/local/bin", "/usr/bin"]),
        "HOME": "/home/someone",
        "GITOPS_BOT_KUBECTL": "/tmp/kubectl",
    }
    assert product.installed_env(given) == {
        "PATH": os.pathsep.join(["/usr/local/bin", "/usr/bin"]),
        "HOME": "/home/someone",
        "GITOPS_BOT_KUBECTL": "/tmp/kubectl",
    }
