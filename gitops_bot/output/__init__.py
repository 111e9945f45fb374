"""How a result looks: a command's :class:`~gitops_bot.output.result.Result` as text for
people, JSON for machines (``as_json``), outputs and a step summary for GitHub Actions
(``github``), the status table's cells, the dashboard issue's Markdown and the status page. No
logic beyond formatting: what to show is decided by the use cases, how it looks here; it
renders the engine's result types and never imports a command.

A plan's result (and a failure) is shown here; every other command's by
:mod:`gitops_bot.output.command_output`, imported with the renderers it names when such a result
is shown: a plan loads none of them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TextIO

from gitops_bot.core.log import Redacting
from gitops_bot.core.outside import terminal_text
from gitops_bot.output.result import Failed, Format, Planned, Result

if TYPE_CHECKING:
    from gitops_bot.core.model import Plan
    from gitops_bot.output.command_results import CommandBody
    from gitops_bot.output.result import Initialized

# The module that renders each kind of result, imported by name when a result is shown in its
# format (as the command line's table imports a command): a plan's JSON loads no text, its text
# no JSON writer, and neither loads what the other commands' results are shown with (a
# release's next step, status's table, report's statistics, explain's chains).
RENDERERS: dict[str, str] = {
    "json": "gitops_bot.output.as_json",
    "plan": "gitops_bot.output.text",  # plan's and init's, and what each environment pins
    "commands": "gitops_bot.output.command_output",  # every other command's result
    "release": "gitops_bot.output.release_text",  # update's and the like, history, set-image
    "status": "gitops_bot.output.status_text",
    "report": "gitops_bot.output.report_text",
    "explain": "gitops_bot.output.explain_text",
}


def renderer(name: str) -> Any:
    """The module ``RENDERERS`` names, imported when first asked for."""
    return importlib.import_module(RENDERERS[name])


__all__ = ["Result", "emit", "error_lines", "renderer"]


def emit(result: Result, out: TextIO, err: TextIO) -> None:
    """What the CLI prints: the result on ``out``, what went wrong (one line each) on ``err``;
    both through the log's redaction (a password in a repository URL, a webhook's path)."""
    _emit(result, Redacting(out), Redacting(err))


def _emit(result: Result, out: Redacting, err: Redacting) -> None:
    as_json = result.format is Format.JSON
    match result.body:
        case Planned(plan, _, init):
            out.write((_json(result) if as_json else _plan_text(plan, init)) + "\n")
        case Failed(_, reading):
            if as_json:  # with what the environments render, when read
                out.write(_json(result) + "\n")
            elif reading:  # the text says it too: a registry out of reach does not unsay git
                out.write(terminal_text(renderer("plan").reading_text(reading), lines=True) + "\n")
        case None:
            pass
        case _ as other:  # another command's result: shown by its module (typed: every one is known)
            body: CommandBody = other
            renderer("commands").emit(result, body, out, err)
    err.writelines(terminal_text(line) + "\n" for line in error_lines(result))


def _json(result: Result) -> str:
    """The result's JSON document (``{}`` for one that has none), as ``--output json`` prints it."""
    writer = renderer("json")
    return str(writer.dumps(writer.document(result) or {}))


def _plan_text(plan: Plan, init: Initialized | None) -> str:
    text = renderer("plan")
    shown = text.init_text(init, plan) if init is not None else text.plan_text(plan)
    # the text quotes outside text (reasons, tags, authors, subjects): the terminal's rule over
    # the whole of it, whose only line breaks and controls are the bot's own
    return terminal_text(str(shown), lines=True)


def error_lines(result: Result) -> list[str]:
    """The lines saying what failed (the Action annotates the last one)."""
    match result.body:
        case Failed(line):
            return [line]
        case Planned(_, _, init) if init is not None and init.error:
            return [init.error]
        case Planned() | None:
            return []
        case _ as other:
            body: CommandBody = other
            return list(renderer("commands").error_lines(body))
