"""Rendering results for people (text) and machines (JSON). No logic beyond formatting."""

from __future__ import annotations

import json

from gitops_bot.model import Plan, PlanItem

_MARK = {"update": "->", "none": "==", "skip": "!!"}


def _short(digest: str | None) -> str:
    return f"@{digest[7:19]}" if digest else ""


def _current(item: PlanItem) -> str:
    c = item.current
    if c is None:
        return "(not deployed)"
    return f"{c.tag or '(no tag)'}{_short(c.digest)}"


def _candidate(item: PlanItem) -> str:
    c = item.candidate
    return f"{c.tag}{_short(c.digest)}" if c else ""


def plan_text(plan: Plan) -> str:
    lines: list[str] = []
    for env in plan.environments:
        header = env.name + (f" (receives promotions from {env.promote_from})" if env.promote_from else "")
        lines.append(header)
        if not env.items:
            lines.append("  (no images)")
        rows = [
            (i.image, _current(i), _MARK[i.action], _candidate(i) if i.action != "none" else "", i.reason)
            for i in env.items
        ]
        widths = [max((len(r[k]) for r in rows), default=0) for k in range(4)]
        for r in rows:
            cells = [r[k].ljust(widths[k]) for k in range(4)]
            lines.append(("  " + "  ".join(cells) + "  " + r[4]).rstrip())
    n = len(plan.updates)
    skipped = sum(1 for e in plan.environments for i in e.items if i.action == "skip")
    lines.append("")
    lines.append(f"{n} update{'s' if n != 1 else ''}, {skipped} skipped")
    return "\n".join(lines)


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=False)
