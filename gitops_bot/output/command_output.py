"""How the results of the commands other than ``plan`` look
(:mod:`gitops_bot.output.command_results`): the JSON document or the text of each, and the lines
saying what failed. Imported by name (``output.RENDERERS``) when such a result is shown, and it
imports each text's module by name in turn: status's table is not loaded to print an update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_never

from gitops_bot.core.outside import terminal_text
from gitops_bot.output import as_json, renderer
from gitops_bot.output.command_results import (
    Delivered,
    Explaining,
    FleetDelivered,
    HistoryRead,
    ImageSet,
    Reported,
    Schema,
    Show,
    StatusRead,
)
from gitops_bot.output.result import Format, Result

if TYPE_CHECKING:
    from gitops_bot.core.log import Redacting
    from gitops_bot.engine.results import SetImageResult
    from gitops_bot.output.command_results import CommandBody


def emit(result: Result, body: CommandBody, out: Redacting, err: Redacting) -> None:
    """``body`` (the result's) on ``out``, as ``result.format`` asks: see :func:`gitops_bot.output.emit`."""
    json = result.format is Format.JSON
    match body:
        case Delivered() | HistoryRead() | FleetDelivered():
            # the text quotes outside text (reasons, tags, authors, subjects): the terminal's rule
            # over the whole of it, whose only line breaks and controls are the bot's own
            shown = as_json.dumps(document(body) or {}) if json else terminal_text(_text(body), lines=True)
            out.write(shown + "\n")
        case StatusRead(status):
            if json:
                out.write(as_json.dumps(status.to_json()) + "\n")
            else:  # the table's module only for the table: other commands never load it
                table = renderer("status")
                out.write(
                    table.status_text(status, width=table.width_for(out), color=table.use_color(out)) + "\n"
                )
        case Reported(found):
            if json:
                out.write(as_json.dumps(found.to_json()) + "\n")
            else:
                out.write(terminal_text(renderer("report").report_text(found), lines=True) + "\n")
        case Explaining(found):
            if json:
                out.write(as_json.dumps(found.to_json()) + "\n")
            else:  # the reasons quote outside text: the terminal's rule over the whole of it
                out.write(terminal_text(renderer("explain").explain_text(found), lines=True) + "\n")
        case ImageSet(edit, show):
            _image_set(edit, show, out, err)
        case Schema(schema):
            out.write(schema)
        case _ as unreachable:
            assert_never(unreachable)


def document(body: CommandBody) -> dict[str, Any] | None:
    """The JSON document of ``--output json`` (see :func:`gitops_bot.output.as_json.document`)."""
    match body:
        case Delivered(outcomes, skipped, reading):
            # added only when the environments were read: other commands' documents stay as they were
            doc = as_json.update_document(outcomes, skipped)
            return doc | ({"reading": [r.to_json() for r in reading]} if reading else {})
        case HistoryRead(environment, entries):
            return as_json.history_document(environment, entries)
        case FleetDelivered(results, exit_code):
            return as_json.fleet_document(results, exit_code)
        case StatusRead(status):
            return status.to_json()
        case Reported(found):
            return found.to_json()
        case Explaining(found):
            return found.to_json()
        case ImageSet() | Schema():
            return None
        case _ as unreachable:
            assert_never(unreachable)


def error_lines(body: CommandBody) -> list[str]:
    """The lines saying what failed (see :func:`gitops_bot.output.error_lines`)."""
    match body:
        case FleetDelivered(results):
            return [f"gitops-bot: error: {r.repository}: {r.error}" for r in results if r.error]
        case StatusRead(status):
            return [f"gitops-bot: error: unknown: {u.detail}" for u in status.unknown]
        case Delivered() | HistoryRead() | Reported() | Explaining() | ImageSet() | Schema():
            return []
        case _ as unreachable:
            assert_never(unreachable)


def _text(body: Delivered | HistoryRead | FleetDelivered) -> str:
    release = renderer("release")
    match body:
        case Delivered(outcomes, skipped):
            return str(release.update_text(outcomes, skipped=skipped))
        case HistoryRead(environment, entries):
            return str(release.history_text(environment, entries))
        case FleetDelivered(results):
            return str(release.fleet_text(results))
        case _ as unreachable:
            assert_never(unreachable)


def _image_set(edit: SetImageResult, show: Show, out: Redacting, err: Redacting) -> None:
    if not edit.changed:
        err.write(f"{edit.path}: no change\n")
        return
    match show:
        case Show.DIFF | Show.CHECK:
            out.writelines(renderer("release").unified_diff(edit.path, edit.before, edit.after))
        case Show.WRITE:
            err.write(f"{edit.path}: updated {renderer('release').image_changes(edit.changes)}\n")
        case _ as unreachable:
            assert_never(unreachable)
