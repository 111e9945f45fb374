"""How a result looks: a command's :class:`~gitops_bot.output.result.Result` as text for
people, JSON for machines (``as_json``), outputs and a step summary for GitHub Actions
(``github``), the status table's cells, the dashboard issue's Markdown and the status page. No
logic beyond formatting: what to show is decided by the use cases, how it looks here; it
renders the engine's result types and never imports a command."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TextIO, assert_never

from gitops_bot.core.log import Redacting
from gitops_bot.core.outside import terminal_text
from gitops_bot.output.result import (
    Delivered,
    Explaining,
    Failed,
    FleetDelivered,
    Format,
    HistoryRead,
    ImageSet,
    Planned,
    Reported,
    Result,
    Schema,
    Show,
    StatusRead,
)

if TYPE_CHECKING:
    from gitops_bot.engine.results import SetImageResult

# The module that renders each kind of result, imported by name when a result is shown in its
# format (as the command line's table imports a command): a plan's JSON loads no text, its text
# no JSON writer, and neither loads what the other commands' text is made with (a release's next
# step, status's table, report's statistics, explain's chains).
RENDERERS: dict[str, str] = {
    "json": "gitops_bot.output.as_json",
    "plan": "gitops_bot.output.text",  # plan's and init's, and what each environment pins
    "release": "gitops_bot.output.release_text",  # update's and the like, history, set-image
    "status": "gitops_bot.output.status_text",
    "report": "gitops_bot.output.report_text",
    "explain": "gitops_bot.output.explain_text",
}


def _renderer(name: str) -> Any:
    return importlib.import_module(RENDERERS[name])


__all__ = ["Result", "emit", "error_lines"]


def emit(result: Result, out: TextIO, err: TextIO) -> None:
    """What the CLI prints: the result on ``out``, what went wrong (one line each) on ``err``;
    both through the log's redaction (a password in a repository URL, a webhook's path)."""
    _emit(result, Redacting(out), Redacting(err))


def _emit(result: Result, out: Redacting, err: Redacting) -> None:
    as_json = result.format is Format.JSON
    match result.body:
        case Planned() | Delivered() | HistoryRead() | FleetDelivered() as body:
            # the text quotes outside text (reasons, tags, authors, subjects): the terminal's rule
            # over the whole of it, whose only line breaks and controls are the bot's own
            shown = _json(result) if as_json else terminal_text(_text(body), lines=True)
            out.write(shown + "\n")
        case StatusRead(status):
            if as_json:
                out.write(_renderer("json").dumps(status.to_json()) + "\n")
            else:  # the table's module only for the table: other commands never load it
                table = _renderer("status")
                out.write(
                    table.status_text(status, width=table.width_for(out), color=table.use_color(out)) + "\n"
                )
        case Reported(found):
            if as_json:
                out.write(_renderer("json").dumps(found.to_json()) + "\n")
            else:
                out.write(terminal_text(_renderer("report").report_text(found), lines=True) + "\n")
        case Explaining(found):
            if as_json:
                out.write(_renderer("json").dumps(found.to_json()) + "\n")
            else:  # the reasons quote outside text: the terminal's rule over the whole of it
                out.write(terminal_text(_renderer("explain").explain_text(found), lines=True) + "\n")
        case ImageSet(edit, show):
            _image_set(edit, show, out, err)
        case Schema(schema):
            out.write(schema)
        case Failed(_, reading):
            if as_json:  # with what the environments render, when read
                out.write(_json(result) + "\n")
            elif reading:  # the text says it too: a registry out of reach does not unsay git
                out.write(terminal_text(_renderer("plan").reading_text(reading), lines=True) + "\n")
        case None:
            pass
        case _ as unreachable:
            assert_never(unreachable)
    err.writelines(terminal_text(line) + "\n" for line in error_lines(result))


def _json(result: Result) -> str:
    """The result's JSON document (``{}`` for one that has none), as ``--output json`` prints it."""
    writer = _renderer("json")
    return str(writer.dumps(writer.document(result) or {}))


def _text(body: Planned | Delivered | HistoryRead | FleetDelivered) -> str:
    match body:
        case Planned(plan, _, init) if init is not None:
            return str(_renderer("plan").init_text(init, plan))
        case Planned(plan, _):
            return str(_renderer("plan").plan_text(plan))
        case Delivered(outcomes, skipped):
            return str(_renderer("release").update_text(outcomes, skipped=skipped))
        case HistoryRead(environment, entries):
            return str(_renderer("release").history_text(environment, entries))
        case FleetDelivered(results):
            return str(_renderer("release").fleet_text(results))
        case _ as unreachable:
            assert_never(unreachable)


def error_lines(result: Result) -> list[str]:
    """The lines saying what failed (the Action annotates the last one)."""
    match result.body:
        case Failed(line):
            return [line]
        case FleetDelivered(results):
            return [f"gitops-bot: error: {r.repository}: {r.error}" for r in results if r.error]
        case Planned(_, _, init) if init is not None and init.error:
            return [init.error]
        case StatusRead(status):
            return [f"gitops-bot: error: unknown: {u.detail}" for u in status.unknown]
        case (
            Planned() | Delivered() | HistoryRead() | Reported() | Explaining() | ImageSet() | Schema() | None
        ):
            return []
        case _ as unreachable:
            assert_never(unreachable)


def _image_set(edit: SetImageResult, show: Show, out: Redacting, err: Redacting) -> None:
    if not edit.changed:
        err.write(f"{edit.path}: no change\n")
        return
    match show:
        case Show.DIFF | Show.CHECK:
            out.writelines(_renderer("release").unified_diff(edit.path, edit.before, edit.after))
        case Show.WRITE:
            err.write(f"{edit.path}: updated {_renderer('release').image_changes(edit.changes)}\n")
        case _ as unreachable:
            assert_never(unreachable)
