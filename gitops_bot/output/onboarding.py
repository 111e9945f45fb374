"""The onboarding pull request's body (``gitops-bot init --pull-request``): what merging it
does, the first plan as ``plan`` prints it, what is blocked and why, what was guessed and what
could not be read, and the configuration. What the repository brings (file and image names,
reasons quoting them) is outside text: inside fenced blocks longer than any run of backticks
it holds, or through the Markdown rule in the lists."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gitops_bot.core.model import Plan
from gitops_bot.core.outside import Outside, md_item, terminal_text
from gitops_bot.core.reading import PinStatus
from gitops_bot.output.text import plan_text

INTRO = (
    "gitops-bot found this repository's environments, their promotion order, the images each "
    "renders and a policy per image, and wrote them into `gitops-bot.yaml` (each line says what it "
    "found and what it guessed). **Merging this pull request switches gitops-bot on**: its next run "
    "proposes the releases below. Close it without merging and it is not proposed again."
)


def _fenced(text: str, lang: str = "text") -> list[str]:
    """``text`` as a fenced block no line of it can close: a fence longer than any run of
    backticks or tildes in it, controls shown as escapes."""
    shown = terminal_text(text.rstrip("\n"), lines=True)
    run = max((len(r) for r in re.findall(r"`+|~+", shown)), default=0)
    fence = "`" * max(3, run + 1)
    return [f"{fence}{lang}", shown, fence]


def body(config: str, plan: Plan, notes: Sequence[str]) -> str:
    guessed = [line.split("# guess: ", 1)[1] for line in config.splitlines() if "# guess: " in line]
    unread = [
        line.removeprefix("# not read: ") for line in config.splitlines() if line.startswith("# not read: ")
    ]
    blocked = [
        f"{r.environment} {r.image}: {r.describe()}"
        for e in plan.environments
        for r in e.reading
        # an image another environment renders (fix-less) is not blocked here: it is that one's
        if r.status in (PinStatus.NOT_RENDERED, PinStatus.UNSUPPORTED) and r.fix is not None
    ]
    shown = plan_text(plan) if plan.environments else "(no plan: " + "; ".join(notes) + ")"
    lines = [INTRO, "", "### What each environment would get", "", *_fenced(shown)]
    if blocked:
        lines += ["", "### Blocked, and why", ""] + [md_item(Outside(b)) for b in blocked]
    if guessed:
        lines += ["", "### Guessed (check these)", ""] + [md_item(Outside(g)) for g in guessed]
    if unread or notes:
        lines += ["", "### Could not be read", ""] + [md_item(Outside(u)) for u in (*unread, *notes)]
    lines += [
        "",
        "<details><summary>gitops-bot.yaml</summary>",
        "",
        *_fenced(config, "yaml"),
        "",
        "</details>",
    ]
    return "\n".join(lines) + "\n"
