"""Start-up runs with the cyclic collector off: the console script imports the command line with
it off, and the command line turns it back on, with what start-up made frozen, once the
command's own modules are in and before the command runs."""

from __future__ import annotations

import ast
import builtins
import gc
import inspect
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import __main__ as entry
from gitops_bot import cli

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def collector() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process keeps collecting what later tests leave
    gc.enable()


def test_the_console_script_is_the_entry() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"gitops-bot": "gitops_bot.__main__:main"}


def test_the_command_line_is_imported_and_run_with_the_collector_off_until_start_up_ends(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real_import = builtins.__import__

    def watching(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if name == "gitops_bot" and "cli" in (fromlist or ()):
            seen.append(gc.isenabled())
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", watching)
    monkeypatch.setattr(cli, "main", lambda: seen.append(gc.isenabled()) or 7)
    assert entry.main() == 7
    assert seen == [False, False]
    assert gc.isenabled()  # on again even when the run never reached the end of its start-up


def test_start_up_ends_with_the_command_modules_in_then_frozen_and_the_collector_on(collector: None) -> None:
    gc.disable()
    frozen = gc.get_freeze_count()
    cli._loaded("plan")
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen
    assert "gitops_bot.commands.plan" in sys.modules


def test_in_process_with_the_collector_on_nothing_is_frozen(collector: None) -> None:
    frozen = gc.get_freeze_count()
    cli._loaded("plan")
    assert gc.get_freeze_count() == frozen


def _handler_imports(handler: Any) -> set[str]:
    """The modules a handler's own ``from X import a`` lines load (X.a where that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(handler).strip())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{a.name}" for a in node.names)
            found.add(node.module)
    return found


def test_each_command_loads_before_start_up_ends_what_its_handler_imports() -> None:
    """In a fresh process per command: after ``_loaded``, the handler's imports are all in."""
    for command, handler in cli._COMMANDS.items():
        if command == "schema":
            continue
        wanted = sorted(_handler_imports(handler))
        code = (
            "import importlib.util, json, sys\n"
            "from gitops_bot import cli\n"
            f"cli._loaded({command!r})\n"
            "absent = [m for m in json.loads(sys.argv[1]) if m not in sys.modules]\n"
            "def module(m):\n"
            "    try:\n"
            "        return importlib.util.find_spec(m) is not None\n"
            "    except ModuleNotFoundError:  # X.a where X is a module, a its function\n"
            "        return False\n"
            "print(json.dumps([m for m in absent if module(m)]))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(wanted)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert json.loads(done.stdout) == [], command
