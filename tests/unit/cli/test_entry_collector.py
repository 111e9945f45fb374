"""The console script imports the command line with the cyclic collector off and freezes what
the imports made: the run starts with the collector on and the start-up's objects out of its
walks."""

from __future__ import annotations

import builtins
import gc
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import __main__ as entry
from gitops_bot import cli

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process keeps collecting what later tests leave
    gc.enable()


def test_the_console_script_is_the_entry() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"gitops-bot": "gitops_bot.__main__:main"}


def test_the_command_line_is_imported_with_the_collector_off_then_frozen(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch
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
    monkeypatch.setattr(cli, "main", lambda: 7)
    frozen_before = gc.get_freeze_count()
    assert entry.main() == 7
    assert seen == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen_before
