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
from typing import assert_never

from gitops_bot.commands.status import Row, Status, Unknown
from gitops_bot.core.model import PlanAction, short_digest

HEADERS = ("ENVIRONMENT", "IMAGE", "DECLARED", "CLUSTER", "CANDIDATE", "PLAN", "PR", "GATE")
_FLEX = (1, 2, 3, 4, 5, 7)  # the columns that give way when the terminal is too narrow
_SPARE = (5, 7, 3)  # the columns the room left over goes to: the plan's reason, the gate, the cluster
_MIN = 8  # a shortened column keeps this many characters
_GAP = "  "

RED, GREEN, YELLOW, MAGENTA, BOLD, RESET = (
    "\033[31m",
    "\033[32m",
    "\033[33m",
    "\033[35m",
    "\033[1m",
    "\033[0m",
)


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


SAME = "= declared"  # the cell holds what git declares (JSON gives the full references)


def _ref(tag: str | None, digest: str | None) -> str:
    # 8 hex digits: the table's job is telling builds apart at a glance, within a terminal
    short = f"@{short_digest(digest, algorithm=False)[:8]}" if digest else ""
    return f"{tag or ''}{short}" or "(no tag)"


def _declared(row: Row) -> str:
    d = row.declared
    return "(not deployed)" if d is None else _ref(d.tag, d.digest)


def _cluster(row: Row) -> tuple[str, str]:
    live = row.live
    if live is None:
        return "no gate", ""
    if isinstance(live, Unknown):
        return f"unknown: {live.reason}", RED
    if not live:
        return "not running", YELLOW
    if row.runs_declared and len(live) == 1:
        return SAME, GREEN
    shown = ", ".join(_ref(r.tag, r.digest) for r in live)
    return (shown, "") if row.runs_declared else (f"{shown} (not declared)", YELLOW)


def _candidate(row: Row) -> str:
    if isinstance(row.plan, Unknown):
        return "unknown"
    c, d = row.plan.candidate, row.declared
    if c and d and (c.tag, c.digest) == (d.tag, d.digest):
        return SAME
    return _ref(c.tag, c.digest) if c else "-"


def _plan(row: Row) -> tuple[str, str]:
    item = row.plan
    if isinstance(item, Unknown):
        return f"unknown: {item.reason}", RED
    match item.action:
        case PlanAction.UPDATE:
            return f"would propose: {item.reason}", YELLOW
        case PlanAction.NONE:
            return item.reason, GREEN
        case PlanAction.HELD:
            return item.reason, MAGENTA
        case PlanAction.SKIP:
            return f"skipped: {item.reason}", RED
        case _ as unreachable:
            assert_never(unreachable)


def _pull_request(row: Row) -> tuple[str, str]:
    pr = row.pull_request
    if isinstance(pr, Unknown):
        return f"unknown: {pr.reason}", RED
    return ("-", "") if pr is None else (f"#{pr.number}", "")


def _gate(row: Row) -> tuple[str, str]:
    gate = row.gate
    if gate is None:
        return "no gate", ""
    if isinstance(gate, Unknown):
        return f"unknown: {gate.reason}", RED
    s = gate.state
    # the operation only when it says more than "the last sync succeeded"
    states = f"{s.sync}, {s.health}" + ("" if s.operation == "Succeeded" else f", operation {s.operation}")
    return (f"open ({states})", GREEN) if gate.open else (f"closed ({states})", RED)


def cells(row: Row) -> list[tuple[str, str]]:
    """The row's cells, whole, each with its colour (the status page shows the same words)."""
    return [
        (row.environment, BOLD),
        (row.image, ""),
        (_declared(row), ""),
        _cluster(row),
        (_candidate(row), ""),
        _plan(row),
        _pull_request(row),
        _gate(row),
    ]


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
    rows = [[(h, BOLD) for h in HEADERS], *(cells(r) for r in status.rows)]
    natural = [max(len(r[k][0]) for r in rows) for k in range(len(HEADERS))]
    widths = _fit(natural, width)
    lines = []
    for r in rows:
        out = []
        for k, (text, style) in enumerate(r):
            shown = _clip(text, widths[k])
            pad = "" if k == len(r) - 1 else " " * (widths[k] - len(shown))
            out.append((f"{style}{shown}{RESET}" if color and style else shown) + pad)
        lines.append(_GAP.join(out).rstrip())
    line = summary(status)
    return "\n".join([*lines, "", textwrap.fill(line, width) if width else line])


def summary(status: Status, where: str = "see stderr") -> str:
    """One line counting environments, images, decisions and pull requests; ``where``: where
    the unknown sources are told."""
    rows, unknown = status.rows, len(status.unknown)
    envs = len(dict.fromkeys(r.environment for r in rows))
    actions = [r.plan.action for r in rows if not isinstance(r.plan, Unknown)]
    pulls = {
        r.pull_request.number for r in rows if r.pull_request and not isinstance(r.pull_request, Unknown)
    }
    parts = [
        f"{envs} environment{'s' if envs != 1 else ''}, {len(rows)} image{'s' if len(rows) != 1 else ''}",
        f"{actions.count(PlanAction.UPDATE)} to propose",
        f"{actions.count(PlanAction.HELD)} held",
        f"{actions.count(PlanAction.SKIP)} skipped",
        f"{len(pulls)} open pull request{'s' if len(pulls) != 1 else ''}",
    ]
    if unknown:
        parts.append(f"{unknown} source{'s' if unknown != 1 else ''} unknown ({where})")
    return "; ".join(parts)
