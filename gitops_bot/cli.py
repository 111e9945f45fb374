"""Command line: parse arguments, call the use cases, render their result through ``output``,
map errors to exit codes. Nothing else. :func:`execute` is what the Action calls too.

Exit codes: 0 done; 1 internal error (a bug: please report it); 2 bad usage, config or input
file; 3 a registry, git remote or API stayed unavailable.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import importlib
import itertools
import os
import sys
from collections.abc import Sequence
from typing import Any, cast

from gitops_bot import GC_THRESHOLDS, output
from gitops_bot.arguments import build_parser
from gitops_bot.core import log, privdir, progress
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.output.result import Failed, Format, Result

# Each command's module, imported only when that command runs (pip's ``commands_dict``): the
# parser, --help and a usage error need none of them. Each module has a ``Request``, whose
# fields are named as the parser names the command's arguments, and ``run(request) -> Result``.
COMMANDS: dict[str, str] = {
    "init": "gitops_bot.commands.init",
    "plan": "gitops_bot.commands.plan",
    "update": "gitops_bot.commands.update",
    "promote": "gitops_bot.commands.promote",
    "rollback": "gitops_bot.commands.rollback",
    "hold": "gitops_bot.commands.hold",
    "unhold": "gitops_bot.commands.unhold",
    "freeze": "gitops_bot.commands.freeze",
    "unfreeze": "gitops_bot.commands.unfreeze",
    "history": "gitops_bot.commands.history",
    "report": "gitops_bot.commands.report",
    "explain": "gitops_bot.commands.explain",
    "status": "gitops_bot.commands.status",
    "watch": "gitops_bot.watch.command",
    "schema": "gitops_bot.commands.schema",
    "set-image": "gitops_bot.commands.set_image",
}


def main(argv: Sequence[str] | None = None) -> int:
    """The ``gitops-bot`` command: :func:`execute`, then its result printed."""
    # the run's collector rule (see GC_THRESHOLDS) for a caller that did not start at __main__
    gc.set_threshold(*GC_THRESHOLDS)
    privdir.sweep_at_start()  # what SIGKILLed runs left (key material) goes before anything else runs
    privdir.install_sigterm_cleanup()
    result = execute(argv)
    try:
        output.emit(result, sys.stdout, sys.stderr)
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as other CLI tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141
    return result.exit_code


def execute(argv: Sequence[str] | None = None) -> Result:
    """Parse ``argv``, run the command, and return its typed result. Expected failures (bad
    usage, config or input; an unavailable remote) and an interrupt are results too, never
    exceptions: this is the one place that maps errors to exit codes."""
    command = ""
    words = list(sys.argv[1:] if argv is None else argv)
    # asked for JSON, a refusal is a JSON document too: known from the words when parsing failed
    fmt = Format.JSON if _asks_json(words) else Format.TEXT
    try:
        args = parser(words[0] if words and words[0] in COMMANDS else None).parse_args(words)
        command = args.command
        _configure_logging(args)
        return run(command, args)
    except GitOpsBotError as exc:
        command = command or next((w for w in words if w in COMMANDS), "")
        line = f"gitops-bot: error: {_one_line(log.redact(str(exc)))}"
        return Result(command, Failed(line, exc.reading), exc.exit_code, format=fmt)
    except KeyboardInterrupt:
        return Result(command, Failed("gitops-bot: interrupted"), 130, format=fmt)


@functools.cache
def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser, built once a process for each ``command`` (the grammar of
    that command alone; None: the whole grammar, ~5 ms): the Action, a fleet and the tests run
    many commands in one process, and parsing leaves the parser as it found it (no argument's
    default is changed in place: ``append`` copies its list)."""
    return build_parser(command)


def run(command: str, args: argparse.Namespace) -> Result:
    """The command's module's ``run``, given the ``Request`` its parsed arguments make."""
    module: Any = importlib.import_module(COMMANDS[command])
    return cast(Result, module.run(request_of(module.Request, args)))


def request_of(kind: type[Any], args: argparse.Namespace) -> Any:
    """A command's request: each field is the parsed argument of its name (a field whose
    argument the command line did not give keeps its default)."""
    given = vars(args)
    return kind(**{f.name: given[f.name] for f in dataclasses.fields(kind) if f.name in given})


def _asks_json(words: Sequence[str]) -> bool:
    return any(
        w == "--output=json" or (w == "--output" and nxt == "json")
        for w, nxt in itertools.pairwise([*words, ""])
    )


def _one_line(text: str) -> str:
    """An error is one line whatever it quotes: a hostile argument, file name or answer may
    hold line breaks or terminal controls, shown escaped (``\\n``) instead of obeyed."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _configure_logging(args: argparse.Namespace) -> None:
    # watch always logs its cycles: one JSON line per cycle and per change
    floor = 1 if args.command == "watch" else 0
    fmt = "json" if args.command == "watch" and args.log_format == "auto" else args.log_format
    log.configure(level=("warning", "info", "debug")[min(max(args.verbose, floor), 2)], fmt=fmt)
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    progress.configure(None if args.command == "watch" else progress.enabled_for(fmt, sys.stderr))
