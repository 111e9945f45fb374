"""Results for GitHub Actions: the step's outputs, its log lines and its Markdown summary.

Rendered from the typed result (never from the CLI's printed JSON); the ``plan`` output is the
same document ``--output json`` prints, on one line.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, assert_never

from gitops_bot.core.model import OutcomeAction, Plan, PlanItem
from gitops_bot.core.outside import Code, Outside, Part, md, md_cell, md_link, md_row
from gitops_bot.core.reading import ChartReading
from gitops_bot.output import dashboard, release_text, text
from gitops_bot.output.as_json import document
from gitops_bot.output.command_results import (
    Delivered,
    Explaining,
    FleetDelivered,
    HistoryRead,
    ImageSet,
    Reported,
    Schema,
    StatusRead,
)
from gitops_bot.output.explain_text import explain_markdown
from gitops_bot.output.report_text import report_rows
from gitops_bot.output.result import Failed, Planned, Result

if TYPE_CHECKING:
    from gitops_bot.core.reading import ImageReading
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.release.ledger import Entry

NO_OUTPUTS = {"changed": "false", "pr-url": "", "pr-urls": "[]", "plan": ""}


def escape_data(value: str) -> str:
    """Workflow-command escaping for a message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def outputs(result: Result) -> dict[str, str]:
    """``changed``, ``pr-url``, ``pr-urls`` and ``plan`` (the JSON document, one line)."""
    if result.exit_code != 0:
        return dict(NO_OUTPUTS)
    doc = document(result)
    urls = [o.url for o in _outcomes(result) if _opened(o.action) and o.url]
    return {
        "changed": "true" if doc and doc.get("changed") else "false",
        "pr-url": urls[0] if urls else "",
        "pr-urls": json.dumps(urls),
        "plan": json.dumps(doc, separators=(",", ":")) if doc is not None else "",
    }


def _outcomes(result: Result) -> tuple[Outcome, ...]:
    match result.body:
        case Delivered() | FleetDelivered() as body:
            return body.outcomes
        case (
            Planned()
            | HistoryRead()
            | Reported()
            | Explaining()
            | StatusRead()
            | ImageSet()
            | Schema()
            | Failed()
            | None
        ):
            return ()
        case _ as unreachable:
            assert_never(unreachable)


def _opened(action: OutcomeAction) -> bool:
    """Whether the outcome opened or updated a pull request (the ``pr-url`` outputs)."""
    match action:
        case OutcomeAction.PULL_REQUEST:
            return True
        case OutcomeAction.COMMIT | OutcomeAction.UNCHANGED | OutcomeAction.CLOSED | OutcomeAction.DRY_RUN:
            return False
        case _ as unreachable:
            assert_never(unreachable)


def dry_runs(result: Result) -> str:
    """What a dry run would do, in the log as on a terminal: the diff, the title and the body.
    Workflow commands are paused around them: a line of a file is data, never a command."""
    log = ""
    for o in _outcomes(result):
        if o.action is OutcomeAction.DRY_RUN:
            pause = secrets.token_hex(16)
            log += f"::group::dry run: {escape_data(o.environment)}: {escape_data(o.title or '')}\n"
            log += f"::stop-commands::{pause}\n{o.diff or ''}\n{o.body or ''}\n::{pause}::\n"
            log += "::endgroup::\n"
    return log


def short(result: Result) -> str:
    """The step's last log line."""
    match result.body:
        case Planned() | HistoryRead() | Reported() | Explaining() | StatusRead():
            return f"gitops-bot {result.command}: done"
        case Delivered() | FleetDelivered() | ImageSet() | Schema() | Failed() | None:
            actions = [f"{o.environment}: {o.action}" for o in _outcomes(result)]
            skipped = result.body.skipped if isinstance(result.body, Delivered) else ()
            nothing = f"nothing to change; {release_text.skip_line(skipped)}" if skipped else "nothing to do"
            return f"gitops-bot {result.command}: " + (", ".join(actions) or nothing)
        case _ as unreachable:
            assert_never(unreachable)


def _cell(value: object) -> str:
    return md_cell(Outside(str(value))) if value not in (None, "") else "—"


def markdown_summary(result: Result) -> str:
    """The step summary: a table of the plan, the history, what was delivered, or the status
    (the dashboard issue's own table: cells written as literal text, PRs as ``#n``)."""
    lines = [f"### gitops-bot {result.command}", ""]
    match result.body:
        case Planned(plan):
            lines += _plan_rows(plan)
        case HistoryRead(_, entries):
            lines += _history_rows(entries)
        case Delivered(outcomes, skipped):
            lines += _delivered_rows(outcomes, skipped)
        case FleetDelivered() as fleet:
            lines += _delivered_rows(fleet.outcomes, ())
        case StatusRead(found):
            lines.append(dashboard.table(found).rstrip("\n"))
        case Reported(found):
            lines += report_rows(found)
        case Explaining(found):
            lines += explain_markdown(found)
        case Failed(_, reading) if reading:  # what git shows, whatever stopped the run after
            lines += _reading_rows(reading)
        case ImageSet() | Schema() | Failed() | None:
            pass
        case _ as unreachable:
            assert_never(unreachable)
    return "\n".join(lines) + "\n\n"


def _reading_rows(reading: Sequence[ImageReading | ChartReading]) -> list[str]:
    """Each environment's images and charts as git pins them, for a run that stopped after
    reading them (the error is the step's annotation): the text's reading, as a table."""
    lines = [
        "What each environment pins, read from git before the run stopped:",
        "",
        "| environment | image | pinned | where |",
        "|---|---|---|---|",
    ]
    for r in reading:
        name, pinned = (
            (f"chart {r.chart}", r.version or "")
            if isinstance(r, ChartReading)
            else (r.image, text.pinned_value(r))
        )
        lines.append(md_row(_cell(r.environment), Code(name), Code(pinned), _cell(r.describe())))
    return lines


def _plan_rows(plan: Plan) -> list[str]:
    lines = ["| environment | image | deployed | candidate | action | reason |", "|---|---|---|---|---|---|"]
    for env in plan.environments:
        for i in env.items:
            cand = i.candidate
            lines.append(
                md_row(
                    env.name,
                    Code(i.image),
                    Code(text.current_value(i, env)),  # the text row's version, as the reading has it
                    (Code(cand.tag or "" if cand else ""), " ", Code(cand.digest or "" if cand else "")),
                    str(i.action),
                    _cell(i.reason),
                )
            )
    return lines


def _history_rows(entries: Sequence[Entry]) -> list[str]:
    lines = ["| release | time | author | pull request | changed |", "|---|---|---|---|---|"]
    for e in entries:
        lines.append(
            md_row(
                Code(e.release or e.commit[:12]),
                e.time,
                _cell(e.author),
                f"#{e.pull_request}" if e.pull_request else "—",
                _names(e.changed, e.changed_charts),
            )
        )
    return lines


def _names(images: Sequence[str], charts: Sequence[str]) -> tuple[Part, ...]:
    """What a release changed: names read from git, by whoever wrote the files."""
    named: list[tuple[Part, ...]] = [(Outside(i),) for i in images] + [
        (Outside(c), " (chart)") for c in charts
    ]
    return tuple(p for k, parts in enumerate(named) for p in ((", ",) if k else ()) + parts)


def _delivered_rows(outcomes: Sequence[Outcome], skipped: Sequence[PlanItem]) -> list[str]:
    if not outcomes:
        return [f"Nothing to change; {release_text.skip_line(skipped)}." if skipped else "Nothing to do."]
    lines = ["| environment | image | from | to | digest | result |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        where = md_link(str(o.action), o.url) if o.url else str(o.action)
        for c in o.changes or [None]:
            lines.append(
                md_row(
                    o.environment,
                    Code(c.image if c else ""),
                    Code(c.from_tag or "" if c else ""),
                    Code(c.to_tag or "" if c else ""),
                    Code(c.to_digest or "" if c else ""),
                    where,
                )
            )
        lines += ["\n> " + md(f"warning ({o.environment}): ", Outside(w)) for w in o.warnings]
    return [*lines, *(["\n> " + md(Outside(release_text.skip_line(skipped)))] if skipped else [])]
