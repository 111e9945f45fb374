"""Every command is called one way: the command line's table names, for each of the parser's
commands, a module with a ``Request`` whose every field the parser fills and ``run``."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect

from gitops_bot.arguments import build_parser
from gitops_bot.cli import COMMANDS


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def test_the_table_names_every_command_of_the_parser_and_no_other() -> None:
    assert set(COMMANDS) == set(_subparsers())


def test_each_command_module_has_a_request_the_parser_fills_and_run() -> None:
    for name, parser in _subparsers().items():
        module = importlib.import_module(COMMANDS[name])
        request, run = module.Request, module.run
        assert dataclasses.is_dataclass(request), name
        assert list(inspect.signature(run).parameters) == ["request"], name
        given = {a.dest for a in parser._actions} | {"repos"}  # --repo's action sets repos too
        unknown = {f.name for f in dataclasses.fields(request)} - given
        assert unknown == set(), f"{name}: Request fields no argument fills: {unknown}"
        required = {
            f.name
            for f in dataclasses.fields(request)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        with_default = {a.dest for a in parser._actions if a.required or a.default is not None}
        positional = {a.dest for a in parser._actions if not a.option_strings}
        assert required <= with_default | positional, f"{name}: {required - with_default - positional}"
