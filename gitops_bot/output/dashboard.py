"""The dashboard issue's Markdown: the status table as the issue's body, and the Action's
``status`` step summary (one renderer for both). Keeping the issue on the forge is
:mod:`gitops_bot.commands.dashboard`'s.

Every cell comes from outside (tags, reasons, Argo CD's messages): a cell's words are
:class:`~gitops_bot.core.outside.Outside` text, so the Markdown rule of
:mod:`gitops_bot.core.outside` writes them (no table break, no HTML, no link, no mention that
would notify someone, no reference to another issue).
"""

from __future__ import annotations

from gitops_bot.core.model import PlanItem
from gitops_bot.core.outside import Code, Outside, md_cell, md_item
from gitops_bot.engine.results import Status
from gitops_bot.output.explain_text import chain_markdown, change_text
from gitops_bot.output.status_cells import HEADERS, Tone, cells, summary

_MARK = {Tone.BAD: "❌ ", Tone.WARN: "⚠️ ", Tone.HELD: "⏸️ "}


def text(value: str) -> str:
    """A cell's words (outside text: they quote tags, reasons, Argo CD) in a table cell."""
    return md_cell(Outside(value))


def markdown(found: Status, *, ref: str = "#") -> str:
    """The issue's body (without the marker :func:`gitops_bot.forges.issues.keep` adds). ``ref``:
    how the forge's Markdown refers to a change request by number (GitLab: ``!``; its ``#n``
    is issue n)."""
    intro = (
        "The state of every environment as gitops-bot sees it: what git declares, what the "
        "cluster runs, what the bot would do next and why, the open pull request and the "
        "promotion gate. gitops-bot edits this issue when the table changes; edits by hand are "
        "overwritten. The same table: `gitops-bot status`."
    )
    return f"{intro}\n\n{table(found, ref=ref)}"


def table(found: Status, *, ref: str = "#") -> str:
    """The summary line, the table and the unknown cells: the issue's body without its
    introduction, and the Action's ``status`` step summary (one renderer for both)."""
    if not found.rows:
        return "No images: no environment deploys an image gitops-bot.yaml lists.\n"
    lines = [
        text(summary(found, "below")),
        "",
        "| " + " | ".join(h.capitalize() if h != "PR" else h for h in HEADERS) + " |",
        "|" + " --- |" * len(HEADERS),
    ]
    for row in found.rows:
        out = []
        for k, (value, tone) in enumerate(cells(row)):
            if k == 0:
                out.append(f"**{text(value)}**")
            elif HEADERS[k] == "PR" and value.startswith("#") and value[1:].isdigit():
                out.append(ref + value[1:])  # the forge's own number: the forge links it
            else:
                out.append(_MARK.get(tone, "") + text(value))
        lines.append("| " + " | ".join(out) + " |")
    if found.unknown:
        lines += ["", *(md_item("unknown: ", Outside(u.detail)) for u in found.unknown)]
    lines += _why(found)
    return "\n".join([*lines, ""])


CHAINS = 40
"""Rows whose chain the issue shows (about 20 lines each): the body is bounded
(:data:`gitops_bot.forges.issues.MAX_BODY`), and the table comes first."""


def _why(found: Status) -> list[str]:
    """Each environment's next change, and the chain of rules behind each row's decision,
    collapsed (``gitops-bot explain ENV`` says the same)."""
    lines = []
    if found.next:
        lines.append("")
        for env, (image, change) in found.next.items():
            said = Outside(change_text(change))
            lines.append(md_item("next change in ", Code(env), ": ", Code(image), " at ", said))
    decided = [
        (r, r.plan.decision)
        for r in found.rows
        if r.chain and isinstance(r.plan, PlanItem) and r.plan.decision
    ]
    # what something holds back first: "up to date" says least
    decided.sort(key=lambda rd: rd[1].label() == "up to date")
    for row, decision in decided[:CHAINS]:
        summary = f"why {row.environment} {row.image}: {decision.label()}"
        lines += ["", *chain_markdown(row.chain, summary)]
    if len(decided) > CHAINS:
        more = f"the chains of {len(decided) - CHAINS} more rows: gitops-bot explain ENV"
        lines += ["", md_item(more)]
    return lines
