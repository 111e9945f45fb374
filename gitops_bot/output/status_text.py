"""``gitops-bot status`` for people: one table of environments and images, sized to the
terminal, coloured only on a terminal and never under ``NO_COLOR`` (https://no-color.org).

Plain text rather than a table library: the table is a few padded columns, and Rich (the usual
choice) costs more at import than the rest of the command's output path; a terminal that is
too narrow gets its widest free-text columns shortened with ``…`` (``--output json`` keeps
every word)."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Mapping

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


def _fit(widths: list[int], width: int | None) -> list[int]:
    """Cap the free-text columns at one level, the highest at which the row fits: the longest
    cells give way first and a short column keeps its width (never below ``_MIN``)."""
    if width is None:
        return widths
    budget = width - len(_GAP) * (len(widths) - 1) - sum(w for k, w in enumerate(widths) if k not in _FLEX)

    def capped(k: int, level: int) -> int:  # a heading is never shortened
        return min(widths[k], max(level, len(HEADERS[k])))

    level = max(widths)
    while level > _MIN and sum(capped(k, level) for k in _FLEX) > budget:
        level -= 1
    out = [capped(k, level) if k in _FLEX else w for k, w in enumerate(widths)]
    spare = budget - sum(out[k] for k in _FLEX)
    for k in _SPARE:  # what the level leaves over goes to the reasons, the plan's first
        give = max(min(spare, widths[k] - out[k]), 0)
        out[k] += give
        spare -= give
    return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def status_text(status: Status, *, width: int | None = None, color: bool = False) -> str:
    """The table (at most ``width`` characters a line when given), then a one-line summary."""
    if not status.rows:
        return "No images: no environment deploys an image gitops-bot.yaml lists."
    rows = [[(h, Tone.STRONG) for h in HEADERS], *(cells(r) for r in status.rows)]
    natural = [max(len(r[k][0]) for r in rows) for k in range(len(HEADERS))]
    widths = _fit(natural, width)
    lines = []
    for r in rows:
        out = []
        for k, (text, tone) in enumerate(r):
            shown, style = _clip(text, widths[k]), COLOURS[tone]
            pad = "" if k == len(r) - 1 else " " * (widths[k] - len(shown))
            out.append((f"{style}{shown}{RESET}" if color and style else shown) + pad)
        lines.append(_GAP.join(out).rstrip())
    line = summary(status)
    return "\n".join([*lines, "", textwrap.fill(line, width) if width else line])
