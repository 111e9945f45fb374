"""``gitops-bot explain`` for people, and the chain as the dashboard issue (Markdown) and the
status page (HTML) show it behind a row. The chain and the next change are the engine's
(:mod:`gitops_bot.engine.explain`, :func:`gitops_bot.release.decision.chain`); this module
only lays them out, every outside string escaped for the medium it lands in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from gitops_bot.core.instants import format_instant
from gitops_bot.core.outside import Code, Outside, html_text, md, md_item, md_row, plain_text
from gitops_bot.core.outside import terminal_text as _t

if TYPE_CHECKING:  # types: explain's gathering (registry, forge, git) loads only when it runs
    from gitops_bot.engine.explain import Explained, Explanation
    from gitops_bot.engine.results import NextChange
    from gitops_bot.release.decision import Step


def verdict(step: Step) -> str:
    """``blocking``, and ``(decides)`` on the step whose decision is the item's."""
    return f"{step.verdict} (decides)" if step.wins else str(step.verdict)


def when(step: Step) -> str:
    """Since when and until when the step's reading holds, when known (and its reason does
    not say so already)."""
    parts = []
    for word, instant in (("since", step.since), ("until", step.until)):
        if instant is not None and format_instant(instant) not in step.reason:
            parts.append(f"{word} {format_instant(instant)}")
    return "; ".join(parts)


def evidence(step: Step) -> str:
    """What the rule read, beyond what its reason says."""
    return ", ".join(f"{k}: {v}" for k, v in step.evidence.items() if v and v not in step.reason)


def change_text(change: NextChange | None) -> str:
    """When the decision next changes and to what (its medium's rule applies to the whole)."""
    if change is None:
        return "none known: no instant known now changes it (a person or a reading does)"
    return f"{format_instant(change.at)} ({', '.join(change.because)}): {change.decision.text()}"


def explain_text(found: Explained) -> str:
    head = f"{found.environment} at {_seconds(found.at)}"
    if found.ahead:
        head += f" (now is {_seconds(found.now)}; {found.assumed})"
    parts = [head]
    parts += ["\n".join(_item(e)) for e in found.explanations]
    first = found.next
    if first is not None and len(found.explanations) > 1:
        parts.append(
            f"{found.environment}'s next change: {first[0].item.image} at {_t(change_text(first[1]))}"
        )
    return "\n\n".join(parts)


def _seconds(when: datetime) -> str:
    """An instant for people: to the second (the clock's fraction says nothing here)."""
    return format_instant(when.replace(microsecond=0))


def _item(e: Explanation) -> list[str]:
    i = e.item
    runs = _ref(i.current.tag, i.current.digest) if i.current is not None else "nothing"
    # reasons and evidence quote outside text (holds, Argo CD, gates): one line each
    lines = [
        f"{i.image} (runs {_t(runs)})",
        f"  decision: {_t(e.decision.text())}",
        "  rules, in precedence order:",
    ]
    width = max(len(s.rule) for s in e.chain)
    vwidth = max(len(verdict(s)) for s in e.chain)
    for s in e.chain:
        said = _t("; ".join(x for x in (s.reason, when(s)) if x))
        lines.append(f"    {s.rule.ljust(width)}  {verdict(s).ljust(vwidth)}  {said}".rstrip())
        if shown := evidence(s):
            lines.append(f"    {''.ljust(width)}  {''.ljust(vwidth)}  evidence: {_t(shown)}")
    lines.append(f"  next change: {_t(change_text(e.next))}")
    return lines


def _ref(tag: str | None, digest: str | None) -> str:
    short = f"@{digest.split(':')[-1][:12]}" if digest else ""
    return f"{tag or ''}{short}" or "an unnamed build"


def summary_markdown(value: str) -> str:
    """A ``<summary>`` line in a Markdown body: raw HTML there, so the HTML rule, and no
    mention or reference a forge would read in it."""
    return html_text(plain_text(value))


def chain_markdown(steps: Sequence[Step], summary: str) -> list[str]:
    """A collapsed ``<details>`` block for a Markdown body (the dashboard issue, the Action's
    step summary): the chain as a table, each cell literal text."""
    lines = ["<details>", f"<summary>{summary_markdown(summary)}</summary>", ""]
    lines += ["| rule | verdict | reason | since / until |", "| --- | --- | --- | --- |"]
    lines += [
        md_row(Code(s.rule), verdict(s), Outside(s.reason) if s.reason else "—", when(s) or "—")
        for s in steps
    ]
    lines += ["", "</details>"]
    return lines


def explain_markdown(found: Explained) -> list[str]:
    """The Action's step summary of ``explain``: each image's decision and next change, its
    chain collapsed below."""
    lines = [md(f"{found.environment} at {format_instant(found.at)}"), ""]
    if found.ahead:
        lines += [md(found.assumed), ""]
    for e in found.explanations:
        lines.append(md_item(Code(e.item.image), ": ", Outside(e.decision.text())))
        lines.append("  " + md("next change: ", Outside(change_text(e.next))))
    lines.append("")
    for e in found.explanations:
        lines += [*chain_markdown(e.chain, f"{e.item.image}: {e.decision.label()}"), ""]
    return lines


WINS = ' class="wins"'


def chain_html(steps: Sequence[Step], summary: str) -> str:
    """A ``<details>`` element for the status page: the chain as a small table, the deciding
    step marked."""
    rows = "".join(
        f"<tr{WINS if s.wins else ''}><td><code>{html_text(s.rule)}</code></td>"
        f"<td>{html_text(verdict(s))}</td><td>{html_text(s.reason)}</td><td>{html_text(when(s))}</td></tr>"
        for s in steps
    )
    return (
        f'<details class="chain"><summary>{html_text(summary)}</summary>'
        "<table><thead><tr><th>Rule</th><th>Verdict</th><th>Reason</th><th>Since / until</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )
