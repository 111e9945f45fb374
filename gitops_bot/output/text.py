"""Results for people: the text a terminal shows of a plan (and of ``init``'s first plan) and
of what each environment pins; what was released, a history and set-image's diff are
:mod:`gitops_bot.output.release_text`'s. No logic beyond formatting. Words from outside
(reasons, warnings, authors, subjects, errors) go through the terminal's rule
(:func:`~gitops_bot.core.outside.terminal_text`): one line each, no control reaching the screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, assert_never

from gitops_bot.core.errors import NOT_ASKED
from gitops_bot.core.model import (
    RULES_FOR_CHARTS,
    ArtifactKind,
    DecisionAction,
    Deployed,
    EnvironmentPlan,
    Plan,
    PlanAction,
    PlanItem,
    is_placeholder_digest,
    short_digest,
)
from gitops_bot.core.outside import terminal_text as _t
from gitops_bot.core.reading import ChartReading, ImageReading, Pin, PinStatus
from gitops_bot.output.words import action_of, tally

if TYPE_CHECKING:
    from gitops_bot.output.result import Initialized


def _short(digest: str | None) -> str:
    return f"@{short_digest(digest, algorithm=False)}" if digest else ""


def current_value(item: PlanItem, env: EnvironmentPlan) -> str:
    """The plan row's version on every surface (text, step summary), as the reading has it."""
    return _current(item, env.image_reading(item.image) if item.kind is ArtifactKind.IMAGE else None)


def _current(item: PlanItem, reading: ImageReading | None = None) -> str:
    """The row's version, as the reading has it when there is one: several places at different
    versions each named, an image with no deployed version said by its status (the version read
    where it is set, else not rendered or unsupported), never "(not deployed)" for an image the
    environment renders."""
    c = item.current
    said = read_version(reading, c) if reading is not None else None
    if said is not None:
        return said
    if c is None:
        return "(not deployed)"
    return f"{c.tag or '(no tag)'}{_short(c.digest)}"


def read_version(reading: ImageReading, deployed: Deployed | None) -> str | None:
    """The version column's words when the reading decides them (None: the deployed version
    says it): not rendered; several places at different versions, each named; no deployed
    version, the one read where it is set, else the reading's status (unsupported)."""
    if reading.status is PinStatus.NOT_RENDERED:
        return "(not rendered)"
    if deployed is None or _differ(reading):
        return pinned_value(reading) or f"({reading.status.value.replace('_', ' ')})"
    return None


def _candidate(item: PlanItem) -> str:
    c = item.candidate
    return f"{c.tag}{_short(c.digest)}" if c else ""


def _mark(action: PlanAction) -> str:
    match action:
        case PlanAction.UPDATE:
            return "->"
        case PlanAction.NONE:
            return "=="
        case PlanAction.SKIP:
            return "!!"
        case PlanAction.HELD:
            return "||"
        case _ as unreachable:
            assert_never(unreachable)


def _mark_of(item: PlanItem) -> str:
    """A row's mark: its plan action's, except a promotion that is ready, which changes the
    environment once a person runs the command its reason names (``==`` said it was up to date)."""
    if item.decision is not None and item.decision.action is DecisionAction.PROMOTE:
        return "=>"
    return _mark(item.action)


def _count(plan: Plan, action: PlanAction) -> int:
    return sum(1 for e in plan.environments for i in e.items if i.action is action)


RULES_ONLY = (
    "read by the bot's own rules: install kubectl and helm for the renderer's answer "
    "(docs/reference/reading.md)"
)
CHARTS_BY_RULES = (
    "charts' values read by the bot's own rules: install helm for the renderer's answer "
    "(docs/reference/reading.md)"
)


def plan_text(plan: Plan) -> str:
    lines: list[str] = []
    for env in plan.environments:
        header = env.name + (f" (receives promotions from {env.promote_from})" if env.promote_from else "")
        branch = env.branch or next((p.branch for r in env.reading for p in r.pins if p.branch), None)
        header += f" (on branch {branch})" if branch else ""  # its own branch: read and released there
        lines.append(header)
        if env.freeze:
            f = env.freeze
            state = "expired" if f["expired"] else "frozen"
            line = ": all environments (stop the line)" if f.get("all_environments") else ""
            lines.append(f"  {state}{line} until {f['until']}: {_t(f['reason'] or 'no reason given')}")
        if env.window:
            lines.append(f"  auto-merge deferred: {env.window['rule']} until {env.window['until_text']}")
        for d in env.automatic:
            verdict = "ready" if d.get("ready") else "; ".join(d.get("held") or ()) or "waiting"
            lines.append(f"  {d.get('rule')}: {_t(verdict)}")
        lines += [f"  note: {_t(n)}" for n in env.notes]
        if not env.items and not env.reading:
            lines.append("  (no images)")
        rows = [
            (
                f"chart {i.image}" if i.kind is ArtifactKind.CHART else i.image,
                current_value(i, env),
                "  " if _unasked(i) else _mark_of(i),
                _candidate(i) if i.action in (PlanAction.UPDATE, PlanAction.SKIP) else "",
                # a registry init did not ask: where the version is pinned, the reason said once below
                _unasked_reason(i, env) if _unasked(i) else _t(i.decision.text() if i.decision else i.reason),
            )
            for i in env.items
        ]
        widths = [max((len(r[k]) for r in rows), default=0) for k in range(4)]
        for r in rows:
            cells = [r[k].ljust(widths[k]) for k in range(4)]
            lines.append(("  " + "  ".join(cells) + "  " + r[4]).rstrip())
        # a row's reason already saying the reading's words (a skipped image's) is not said again
        lines += _reading_lines(env.reading, {i.image: r[4] for i, r in zip(env.items, rows, strict=True)})
    lines.append("")
    lines.append("; ".join(tally(action_of(i) for e in plan.environments for i in e.items)))
    if unasked := sum(_unasked(i) for e in plan.environments for i in e.items):
        lines.append(f"{unasked} not looked up: {NOT_ASKED} (`gitops-bot plan` asks them)")
    if plan.read_by == "rules":
        lines.append(RULES_ONLY)
    elif plan.read_by == RULES_FOR_CHARTS:
        lines.append(CHARTS_BY_RULES)
    return "\n".join(lines)


def init_text(init: Initialized, plan: Plan) -> str:
    """``init``: the configuration (written or to write), what the registries said of each
    guessed policy, then the first plan as ``plan`` prints it."""
    lines = [init.config.rstrip("\n"), ""]
    # a draft (charts found, no environment init can name) is never written and plans nothing
    drafted = init.draft
    if init.written:
        lines.append(f"Wrote {_t(init.written)}.")
    elif drafted:
        lines.append("Printed only, a draft, not written: check it and save it as gitops-bot.yaml.")
    else:
        lines.append("Printed only: `gitops-bot init --write` writes it as gitops-bot.yaml.")
    if init.checks:
        lines += ["", "The registries, asked of each guessed policy:"]
        lines += [f"  {_t(c)}" for c in init.checks]
    if init.onboarding:
        lines += ["", _t(init.onboarding)]
    if not drafted:
        lines += ["", "The first plan under it:"]
    lines += [f"  {_t(n)}" for n in init.notes]
    if plan.environments:
        lines.append(plan_text(plan))
    lines += ["", *(f"  {_t(n)}" for n in init.unlikely)] if init.unlikely else []
    reading = [r for env in plan.environments for r in env.reading]
    if init.error and reading:  # a registry not reached: what git shows, each pin's file and line
        lines += ["", reading_text(reading)]
    return "\n".join(lines)


def _reading_lines(reading: Sequence[ImageReading], rows: Mapping[str, str] | None = None) -> list[str]:
    """Each image not simply pinned where the environment alone renders it: where its version
    comes from and where a release goes, or why it has no place and the fix. A pinned image's
    row above already shows it, and so does one whose row (``rows``: each image's reason cell)
    holds the reading's words."""
    said = rows or {}
    shown = [
        r
        for r in reading
        if (r.status is not PinStatus.PINNED or r.would_write is not None)
        and _t(r.describe()) not in said.get(r.image, "")
    ]
    # images other environments render (a pipeline's, seen from dev) are folded into one line:
    # nothing is wrong with them, they only say what this environment does not run
    theirs = [r for r in shown if r.status is PinStatus.NOT_RENDERED and r.fix is None]
    lines = [f"  {_t(r.image)}: {_t(r.describe())}" for r in shown if r not in theirs]
    if theirs:
        # named once per reason, the first few only: ten environments of thirty images each
        # printed a 2,500-character line apiece, the same reason after every name
        by_reason: dict[str, list[str]] = {}
        for r in theirs[:_FOLDED]:
            by_reason.setdefault(_t(r.reason or ""), []).append(_t(r.image))
        each = "; ".join(f"{', '.join(names)} ({reason})" for reason, names in by_reason.items())
        more = len(theirs) - _FOLDED
        each += f", and {more} more (--output json lists each)" if more > 0 else ""
        lines.append(f"  not rendered here, other environments' images: {each}")
    return lines


_FOLDED = 8  # other environments' images named on the folded line, at most


def _unasked(item: PlanItem) -> bool:
    return item.action is PlanAction.SKIP and item.reason == NOT_ASKED


def _unasked_reason(item: PlanItem, env: EnvironmentPlan) -> str:
    """Where a version no registry was asked of is pinned: each row says its own place, where
    the same reason on every row hid the one that said something else."""
    if item.kind is ArtifactKind.CHART:
        return _t(f"not looked up; pinned at {item.file}:{item.line}" if item.line else "not looked up")
    read = next((r for r in env.reading if r.image == item.image), None)
    return _t(f"not looked up; {read.describe()}" if read is not None else "not looked up")


def reading_text(reading: Sequence[ImageReading | ChartReading]) -> str:
    """What each environment pins and where, read from git, for a run that stopped after reading
    it (a registry or chart repository that cannot be reached, no environment pinning any
    image): the same reading the JSON error document carries, each image and chart with the
    version it is pinned to, so a failure never hides what git shows. The error line on stderr
    says why the run stopped."""
    lines = ["What each environment pins, read from git before the run stopped (the error says why):"]
    by_env: dict[str, list[ImageReading | ChartReading]] = {}
    for r in reading:
        by_env.setdefault(r.environment, []).append(r)
    for env, found in by_env.items():
        lines.append(env)
        rows = [
            (_t(f"chart {r.chart}"), _t(r.version or ""), _t(r.describe()))
            if isinstance(r, ChartReading)  # named as the plan's rows name a chart
            else (_t(r.image), _t(pinned_value(r)), _t(r.describe()))
            for r in found
        ]
        widths = [max(len(row[k]) for row in rows) for k in range(2)]
        for row in rows:  # a column no image fills (nothing pinned) is left out, not padded
            cells = [row[k].ljust(widths[k]) for k in range(2) if widths[k]]
            lines.append("  " + "  ".join([*cells, row[2]]))
    return "\n".join(lines)


def pinned_value(r: ImageReading) -> str:
    """The version the place that wins sets (tag, short digest), as the plan's rows show one;
    a digest of zeros is marked as the placeholder it is. Several places winning (the
    environment's several paths or workloads) at different versions: each other version is named
    with the file setting it (``1.0 (and 1.2 in overlays/eu/kustomization.yaml)``), for no one
    of them is what the whole environment runs. Outside text: each medium's rule applies where
    it is shown."""
    pin = r.effective
    if pin is None or not (pin.tag or pin.digest):
        return ""
    shown = _versions(r)
    if len(shown) > 1:  # in the order the tool applies them
        (first, _), *others = shown.items()
        return f"{first} (and {', '.join(f'{v} in {f}' for v, f in others)})"
    return _version(pin)


def _versions(r: ImageReading) -> dict[str, str]:
    """Each version the winning places set, with the first file setting it."""
    found: dict[str, str] = {}
    for p in r.pins:
        if p.effective and (p.tag or p.digest):
            found.setdefault(_version(p), f"{p.branch}:{p.file}" if p.branch else p.file)
    return found


def _differ(r: ImageReading) -> bool:
    return len(_versions(r)) > 1


def _version(pin: Pin) -> str:
    mark = " (a placeholder, not a real digest)" if is_placeholder_digest(pin.digest) else ""
    return f"{pin.tag or '(no tag)'}{_short(pin.digest)}{mark}"
