"""The dashboard issue's Markdown: the status table as the issue's body, and the Action's
``status`` step summary (one renderer for both). Keeping the issue on the forge is
:mod:`gitops_bot.commands.dashboard`'s.

Every cell comes from outside (tags, reasons, Argo CD's messages): a cell's words are
:class:`~gitops_bot.core.outside.Outside` text, so the Markdown rule of
:mod:`gitops_bot.core.outside` writes them (no table break, no HTML, no link, no mention that
would notify someone, no reference to another issue).
"""

from __future__ import annotations

from gitops_bot.core.outside import Outside, md_cell, md_item
from gitops_bot.engine.results import Status
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
    return "\n".join([*lines, ""])
