"""``gitops-bot status`` for people: grouped by environment, sized to the terminal, coloured
only on a terminal and never under ``NO_COLOR`` (https://no-color.org).

Each environment is a heading line (its name, where it receives promotions from, its gate and
its open pull requests, named once) with its strongest state under it (``Frozen: …``, as the
status page leads with it), then a small table of its images: IMAGE, DECLARED, CLUSTER,
CANDIDATE and the DECISION. An image's name is never shortened: it is what a row is about.
When the table is wider than the terminal, each row's decision leaves it for wrapped lines of
its own under the row (never cut), and the references give way with ``…`` (``--output json``
keeps every word).

Plain text rather than a table library: a few padded columns, and Rich (the usual choice) costs
more at import than the rest of the command's output path."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Mapping, Sequence

from gitops_bot.core.outside import terminal_text
from gitops_bot.engine.results import Row, Status
from gitops_bot.output.status_cells import HEADERS, Tone, cells, environment_state, summary

__all__ = ["COLUMNS", "HEADERS", "status_text", "use_color", "width_for"]
# the columns of an environment's table, as indices of status_cells.cells
COLUMNS = {"IMAGE": 1, "DECLARED": 2, "CLUSTER": 3, "CANDIDATE": 4, "DECISION": 5}
_PR, _GATE = HEADERS.index("PR"), HEADERS.index("GATE")
_FLEX = ("DECLARED", "CLUSTER", "CANDIDATE")  # give way when the terminal is too narrow
_MIN = 8  # a shortened column keeps this many characters
_GAP = "  "
_INDENT = "  "  # an environment's rows, under its heading
_BELOW = "      "  # a decision on lines of its own, under its row

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


def status_text(status: Status, *, width: int | None = None, color: bool = False) -> str:
    """Each environment, in the order configured, then a one-line summary; at most ``width``
    characters a line when given."""
    if not status.rows:
        return "No images: no environment deploys an image gitops-bot.yaml lists."
    by_env: dict[str, list[Row]] = {}
    for r in status.rows:
        by_env.setdefault(r.environment, []).append(r)
    # a cell's words quote outside text (tags, reasons, Argo CD): through the terminal's rule
    # before they are measured and painted, so no control in them reaches the screen
    found = {
        env: [[(terminal_text(t), tone) for t, tone in cells(r)] for r in rows]
        for env, rows in by_env.items()
    }
    every = [c for rows in found.values() for c in rows]
    names = list(COLUMNS)
    natural = [max([len(n), *(len(c[COLUMNS[n]][0]) for c in every)]) for n in names]
    room = None if width is None else width - len(_INDENT)
    below = room is not None and sum(natural) + len(_GAP) * (len(natural) - 1) > room
    shown = names[:-1] if below else names
    widths = _fit(natural[: len(shown)], room, shown)
    lines: list[str] = []
    for env, rows in by_env.items():
        if lines:
            lines.append("")
        lines += _heading(env, rows, found[env], width, color)
        lines.append(_INDENT + _line([(n, Tone.STRONG) for n in shown], widths, color))
        for c in found[env]:
            lines.append(_INDENT + _line([c[COLUMNS[n]] for n in shown], widths, color))
            if below:
                text, tone = c[COLUMNS["DECISION"]]
                wrap = max((width or 0) - len(_BELOW), 20)
                lines += [
                    _BELOW + _paint(p, tone, color) for p in textwrap.wrap(text, wrap, break_on_hyphens=False)
                ]
    line = terminal_text(summary(status))
    return "\n".join([*lines, "", textwrap.fill(line, width) if width else line])


def _heading(
    env: str, rows: Sequence[Row], found: Sequence[list[tuple[str, Tone]]], width: int | None, color: bool
) -> list[str]:
    """``production  from staging · gate open (Synced, Healthy) · pull requests #5``, wrapped,
    and the environment's strongest state under it."""
    first = rows[0]
    gate, gate_tone = found[0][_GATE]
    state = environment_state(rows)
    if state is not None and gate_tone is Tone.OK:
        gate_tone = Tone.PLAIN  # never a green gate over a freeze
    pulls = list(dict.fromkeys(c[_PR][0] for c in found if c[_PR][0] != "-"))
    facts = [
        *([(f"from {first.source}", Tone.PLAIN)] if first.source else []),
        (gate if gate == "no gate" else f"gate {gate}", gate_tone),
        (
            f"pull request{'s' if len(pulls) > 1 else ''} {', '.join(pulls)}" if pulls else "no pull request",
            Tone.PLAIN,
        ),
    ]
    lines: list[str] = []
    current, used = _paint(env, Tone.STRONG, color), len(env)
    for n, (text, tone) in enumerate(facts):
        sep = "  " if n == 0 else " · "
        if width is not None and used + len(sep) + len(text) > width:
            lines.append(current)
            current, used, sep = _INDENT, len(_INDENT), ""
            if used + len(text) > width:  # a fact longer than a line (many applications)
                *whole, text = textwrap.wrap(text, width - used, break_on_hyphens=False)
                lines += [_INDENT + _paint(p, tone, color) for p in whole]
        current += sep + _paint(text, tone, color)
        used += len(sep) + len(text)
    lines.append(current)
    if state is not None:
        text, tone = terminal_text(state[0]), state[1]
        wrap = width - len(_INDENT) if width else None
        parts = textwrap.wrap(text, wrap, break_on_hyphens=False) if wrap else [text]
        lines += [_INDENT + _paint(p, tone, color) for p in parts]
    return lines


def _fit(widths: list[int], width: int | None, names: Sequence[str]) -> list[int]:
    """Cap the references' columns at one level, the highest at which the row fits: the
    longest give way first, a short one keeps its width (never below ``_MIN``), a heading and
    the image's name are never shortened."""
    if width is None:
        return widths
    flex = [k for k, n in enumerate(names) if n in _FLEX]
    budget = width - len(_GAP) * (len(widths) - 1) - sum(w for k, w in enumerate(widths) if k not in flex)

    def capped(k: int, level: int) -> int:
        return min(widths[k], max(level, len(names[k])))

    level = max(widths)
    while level > _MIN and sum(capped(k, level) for k in flex) > budget:
        level -= 1
    return [capped(k, level) if k in flex else w for k, w in enumerate(widths)]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


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
