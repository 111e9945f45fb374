"""Results for people: the text a terminal shows of what was released (``update``,
``promote``, ``rollback``, ``hold``, ``unhold``; ``update`` over many repositories), of an
environment's history of releases and of set-image's edit. A plan's text is
:mod:`gitops_bot.output.text`'s: a plan loads neither this module nor the next step's words.
No logic beyond formatting; words from outside go through the terminal's rule
(:func:`~gitops_bot.core.outside.terminal_text`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

from gitops_bot.core.model import OutcomeAction, PlanItem, WriteMode
from gitops_bot.core.outside import terminal_text as _t
from gitops_bot.output.words import grouped
from gitops_bot.release.next_step import RequestStep

if TYPE_CHECKING:
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.engine.results import RepositoryResult
    from gitops_bot.manifests.edit import FieldChange
    from gitops_bot.release.ledger import Entry


NOTHING = "Nothing to do: every environment runs what its policies choose."
SHOWN_SKIPS = 3  # reasons named on the one line; `gitops-bot plan` lists them all


def update_text(outcomes: Sequence[Outcome], *, skipped: Sequence[PlanItem] = ()) -> str:
    if not outcomes:
        return f"Nothing to change; {skip_line(skipped)}" if skipped else NOTHING
    lines: list[str] = []
    for o in outcomes:
        if o.action is OutcomeAction.DRY_RUN:
            lines += [f"== {o.environment}: would {_would(o)}", ""]
            if o.step is not None and o.step.action is RequestStep.CLOSE:
                lines += [o.step.closes[0].comment if o.step.closes else "", ""]
                continue
            # what the run would publish: a pull request's body, or the commit's message
            published = o.step.commit_message if o.write is WriteMode.COMMIT and o.step else o.body
            lines += [o.diff or "", "", published or ""]
    lines.append("Summary:")
    for o in outcomes:
        images = ", ".join(c.summary for c in o.changes) or (o.title or "").removeprefix(f"{o.environment}: ")
        lines.append(f"  {o.environment}: {images + ': ' if images else ''}{_where(o)}")
        lines += [f"    warning: {_t(w)}" for w in o.warnings]
    if skipped:
        lines.append(f"  {skip_line(skipped)}")
    return "\n".join(lines)


def skip_line(skipped: Sequence[PlanItem]) -> str:
    """What was not released and why, in the decisions' words, in one line: ``2 blocked
    (staging example/app: REASON; ...); 1 skipped (...); see `gitops-bot plan` ``."""
    return f"{grouped(skipped, SHOWN_SKIPS, _t)}; see `gitops-bot plan`"


def _would(o: Outcome) -> str:
    """What a dry run would have done: its next step, in words."""
    step = o.step
    if step is None:
        return f"change nothing on {o.branch}"
    into = f" into {step.base}" if step.base else ""  # the target: an environment's own branch, or the base
    match step.action:
        case RequestStep.LEAVE if o.commit:
            return f"push nothing: {o.branch} already holds this change ({o.title!r})"
        case RequestStep.LEAVE if o.write is WriteMode.COMMIT:
            return f"commit nothing: {o.branch} already has this change"
        case RequestStep.LEAVE:
            return f"leave the pull request on {o.branch}{into} as it is ({o.title!r})"
        case RequestStep.CREATE:
            return f"open a pull request {o.title!r} on {o.branch}{into}"
        case RequestStep.UPDATE:
            return f"update the pull request on {o.branch}{into} to {o.title!r}"
        case RequestStep.SUPERSEDE:
            gone = ", ".join(f"#{c.number}" for c in step.closes)
            return f"close {gone} and open a pull request {o.title!r} on {o.branch}{into}"
        case RequestStep.CLOSE:
            return "close " + ", ".join(f"#{c.number} ({c.url}) on {c.branch}" for c in step.closes)
        case RequestStep.COMMIT:
            return f"commit {step.subject!r} to {o.branch}"
        case RequestStep.DEFER:
            return f"commit {step.subject!r} to {o.branch} later: {'; '.join(step.notes)}"
        case _ as unreachable:
            assert_never(unreachable)


def _where(o: Outcome) -> str:
    match o.action:
        case OutcomeAction.PULL_REQUEST:
            return f"pull request {o.url}"
        case OutcomeAction.COMMIT:
            return f"commit {o.commit[:12] if o.commit else ''} on {o.branch}"
        case OutcomeAction.UNCHANGED:
            return f"already proposed in {o.url}" if o.url else "nothing to change"
        case OutcomeAction.CLOSED:
            return f"closed {o.url} (no longer needed)"
        case OutcomeAction.DRY_RUN:
            return f"dry run, nothing changed ({o.branch})"
        case _ as unreachable:
            assert_never(unreachable)


def history_text(environment: str, entries: Sequence[Entry]) -> str:
    if not entries:
        return f"{environment}: no releases in git history"
    lines = [f"{environment}: {len(entries)} release{'s' if len(entries) != 1 else ''}, newest first"]
    for i, e in enumerate(entries):
        pr = f" #{e.pull_request}" if e.pull_request else ""
        who = "" if e.release else "  (by hand)"
        current = "  <- current" if i == 0 else ""
        lines.append("")
        lines.append(f"{e.name}  {e.time}  {e.commit[:12]}{pr}  {_t(e.author)}{who}{current}")
        lines.append(f"  {_t(e.subject)}")
        width = max((len(n) for n in e.images), default=0)
        for name, d in sorted(e.images.items()):
            mark = "*" if name in e.changed else " "
            lines.append(
                f"  {mark} {name.ljust(width)}  {d.tag or '(no tag)'}{'@' + d.digest if d.digest else ''}"
            )
        for name in e.changed:
            if name not in e.images:
                lines.append(f"  * {name.ljust(width)}  (removed)")
        for name in sorted(e.charts.keys() | set(e.changed_charts)):
            mark = "*" if name in e.changed_charts else " "
            lines.append(f"  {mark} {name} (chart)  {e.charts.get(name, '(removed)')}")
    return "\n".join(lines)


def fleet_text(results: Sequence[RepositoryResult]) -> str:
    """``update`` over many repositories: each one's summary under its URL."""
    if not results:
        return "No repositories to work (none listed, or none in this shard)."
    parts = []
    for r in results:
        body = f"error (exit {r.exit_code}): {_t(r.error)}" if r.error else update_text(r.outcomes)
        parts.append(f"== {r.repository}\n{body}")
    return "\n\n".join(parts)


def image_changes(changes: Sequence[FieldChange]) -> str:
    """``app newTag 1.0 -> 1.1, digest sha256:1111… -> sha256:2222…`` from an edit's changes."""

    def short(value: str | None) -> str:
        return "(none)" if value is None else value[:19] + "…" if len(value) > 24 else value

    by_image: dict[str, list[str]] = {}
    for c in changes:
        by_image.setdefault(c.image, []).append(f"{c.field} {short(c.old)} -> {short(c.new)}")
    return "; ".join(f"{image} {', '.join(parts)}" for image, parts in by_image.items())


def unified_diff(path: Path, before: str, after: str) -> Iterator[str]:
    """``diff -u`` lines with git's labels, each ending in a newline (and diff's marker for a
    last line without one)."""
    old, new = _diff_labels(path)
    for line in difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), old, new
    ):
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _diff_labels(path: Path) -> tuple[str, str]:
    """git's a/ b/ labels for a path under the current directory, the path itself otherwise
    (never ``a//tmp/...``)."""
    cwd = Path.cwd()
    shown = path.relative_to(cwd) if path.is_absolute() and path.is_relative_to(cwd) else path
    return (str(shown), str(shown)) if shown.is_absolute() else (f"a/{shown}", f"b/{shown}")
