"""``gitops-bot status`` for people: one table of environments and images, sized to the
terminal, coloured only on a terminal and never under ``NO_COLOR`` (https://no-color.org).

Plain text rather than a table library: the table is a few padded columns, and Rich (the usual
choice) costs more at import than the rest of the command's output path. In a terminal too
narrow for the whole table, each row's plan goes on wrapped lines of its own under the row (the
decision is never cut), and the other free-text columns are shortened with ``…`` to fit
(``--output json`` keeps every word)."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Mapping

from gitops_bot.core.outside import terminal_text
from gitops_bot.engine.results import Status
from gitops_bot.output.status_cells import HEADERS, Tone, cells, summary

__all__ = ["HEADERS", "status_text", "use_color", "width_for"]
_FLEX = (1, 2, 3, 4, 5, 7)  # the columns that give way when the terminal is too narrow
_SPARE = (5, 7, 3)  # the columns the room left over goes to: the plan's reason, the gate, the cluster
_MIN = 8  # a shortened column keeps this many characters
_GAP = "  "

RESET = "\033[0m"
COLOURS = {
    Tone.PLAIN: "",
    Tone.STRONG: "\033[1m",
    Tone.BAD: "\033[31m",
    Tone.OK: "\033[32m",
    Tone.WARN: "\033[33m",
    Tone.HELD: "\033[35m",
}


def use_color(stream: object, environ: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal only, and never when ``NO_COLOR`` is set to anything non-empty."""
    env = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    return not env.get("NO_COLOR") and callable(isatty) and bool(isatty())


def width_for(stream: object, environ: Mapping[str, str] | None = None) -> int | None:
    """The columns to fit: ``COLUMNS`` when set, else the terminal's; None (no limit) when the
    output is not a terminal and ``COLUMNS`` is not set (a file or a pipe keeps every word)."""
    env = os.environ if environ is None else environ
    if env.get("COLUMNS", "").strip().isdigit():
        return max(int(env["COLUMNS"]), 40)
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return max(shutil.get_terminal_size().columns, 40)
    return None


def _fit(widths: list[int], width: int | None, headers: list[str]) -> list[int]:
    """Cap the free-text columns at one level, the highest at which the row fits: the longest
    cells give way first and a short column keeps its width (never below ``_MIN``)."""
    if width is None:
        return widths
    flex = [k for k, h in enumerate(headers) if HEADERS.index(h) in _FLEX]
    spare_order = [headers.index(HEADERS[k]) for k in _SPARE if HEADERS[k] in headers]
    budget = width - len(_GAP) * (len(widths) - 1) - sum(w for k, w in enumerate(widths) if k not in flex)

    def capped(k: int, level: int) -> int:  # a heading is never shortened
        return min(widths[k], max(level, len(headers[k])))

    level = max(widths)
    while level > _MIN and sum(capped(k, level) for k in flex) > budget:
        level -= 1
    out = [capped(k, level) if k in flex else w for k, w in enumerate(widths)]
    spare = budget - sum(out[k] for k in flex)
    for k in spare_order:  # what the level leaves over goes to the reasons, the plan's first
        give = max(min(spare, widths[k] - out[k]), 0)
        out[k] += give
        spare -= give
    return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


PLAN = HEADERS.index("PLAN")


def status_text(status: Status, *, width: int | None = None, color: bool = False) -> str:
    """The table (at most ``width`` characters a line when given), then a one-line summary.
    When the whole table is wider than ``width``, each row's plan (the decision, the words
    that matter most) leaves the table for lines of its own under the row, wrapped, never cut;
    the other columns fit what is left."""
    if not status.rows:
        return "No images: no environment deploys an image gitops-bot.yaml lists."
    # a cell's words quote outside text (tags, reasons, Argo CD): through the terminal's rule
    # before they are measured and painted, so no control in them reaches the screen
    found = [[(terminal_text(text), tone) for text, tone in cells(r)] for r in status.rows]
    rows = [[(h, Tone.STRONG) for h in HEADERS], *found]
    natural = [max(len(r[k][0]) for r in rows) for k in range(len(HEADERS))]
    below = width is not None and sum(natural) + len(_GAP) * (len(natural) - 1) > width
    shown = [k for k in range(len(HEADERS)) if not (below and k == PLAN)]
    widths = _fit([natural[k] for k in shown], width, [HEADERS[k] for k in shown])
    lines = []
    for n, r in enumerate(rows):
        lines.append(_line([r[k] for k in shown], widths, color))
        if below and n:
            text, tone = r[PLAN]
            for part in textwrap.wrap(text, max((width or 0) - 4, 20), break_on_hyphens=False):
                lines.append("    " + _paint(part, tone, color))
    line = terminal_text(summary(status))
    return "\n".join([*lines, "", textwrap.fill(line, width) if width else line])


def _line(row: list[tuple[str, Tone]], widths: list[int], color: bool) -> str:
    out = []
    for k, (text, tone) in enumerate(row):
        shown = _clip(text, widths[k])
        pad = "" if k == len(row) - 1 else " " * (widths[k] - len(shown))
        out.append(_paint(shown, tone, color) + pad)
    return _GAP.join(out).rstrip()


def _paint(text: str, tone: Tone, color: bool) -> str:
    style = COLOURS[tone]
    return f"{style}{text}{RESET}" if color and style else text
