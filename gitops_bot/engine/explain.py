"""``explain``: the chain of rules behind each decision of an environment, and when the
decision next changes.

Nothing here decides: the plan is made by :func:`gitops_bot.engine.plan.plan` and decided by
:class:`gitops_bot.engine.decisions.Readings` (so by the one
:func:`~gitops_bot.release.decision.chain`) at the instant asked, exactly as ``plan`` and
``status`` decide at the run's now. The next change is found the same way: the chain names
the instants its rules change at (a window opening, a soak, a freeze or a ``min_age`` ending,
the decision's own ``until``) and the window's next closing; the plan is decided again at each
of them, earliest first, until the decision is another. What is read (the registry's tags and
ages, Argo CD, the metrics, checks and web gates, the forge's sightings) is read once, now, and
taken to read the same at every instant asked: the registry pool remembers its answers for the
run, and the readings are the run's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import Decision, PlanItem
from gitops_bot.core.reading import ImageReading
from gitops_bot.core.record import record
from gitops_bot.engine import decisions
from gitops_bot.engine.plan import plan
from gitops_bot.engine.results import NextChange
from gitops_bot.engine.session import Session
from gitops_bot.release import windows
from gitops_bot.release.decision import Step

if TYPE_CHECKING:
    from gitops_bot.config.windows import WindowsConfig

SCHEMA = "gitops-bot/explain/v1"
ASSUMED = "gates, health, checks and the registry's contents are taken as they read now"
MAX_INSTANTS = 16
"""The most instants the next change is looked for at: each decides the environment again
(from what the run read, asking nothing), and a schedule past a few of them is a plan of its
own, not a next change."""

CAUSES = {
    "window": "the window opens",
    "window closes": "the window closes",
    "freeze": "the freeze ends",
    "promotion.soak": "the soak ends",
    "min_age": "min_age is reached",
    "auto_rollback": "the automatic rollback is due",
}


@record
class Explanation:
    """One item: its decision, the chain it won, and its next change (None: no instant known
    now changes it; a person or a reading does)."""

    item: PlanItem
    chain: tuple[Step, ...]
    next: NextChange | None

    @property
    def decision(self) -> Decision:
        assert self.item.decision is not None
        return self.item.decision

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.item.image,
            "kind": self.item.kind.value,
            "file": self.item.file,
            "current": {"tag": c.tag, "digest": c.digest} if (c := self.item.current) else None,
            "decision": self.decision.to_json(),
            "chain": [s.to_json() for s in self.chain],
            "next_change": self.next.to_json() if self.next else None,
        }


@record
class Explained:
    """An environment's explanations at ``at`` (the run's ``now``, or later with ``--at``)."""

    environment: str
    now: datetime
    at: datetime
    explanations: tuple[Explanation, ...]
    reading: tuple[ImageReading, ...] = ()  # how the environment renders its images (the reader's)

    @property
    def assumed(self) -> str:
        return ASSUMED

    @property
    def ahead(self) -> bool:
        """Evaluated at a later instant than now: the readings are assumed, and said so."""
        return self.at > self.now

    @property
    def next(self) -> tuple[Explanation, NextChange] | None:
        """The environment's next change: the earliest of its items'."""
        found = [(e, e.next) for e in self.explanations if e.next is not None]
        return min(found, key=lambda f: f[1].at) if found else None

    def to_json(self) -> dict[str, Any]:
        first = self.next
        return {
            "schema": SCHEMA,
            "environment": self.environment,
            "now": format_instant(self.now),
            "at": format_instant(self.at),
            "assumed": ASSUMED,
            "next_change": {"image": first[0].item.image, **first[1].to_json()} if first else None,
            "images": [e.to_json() for e in self.explanations],
            "reading": [r.to_json() for r in self.reading],
        }


def explain(s: Session, environment: str, image: str | None = None, at: datetime | None = None) -> Explained:
    """``environment``'s items (only ``image``, when given) explained at ``at`` (None: now)."""
    app = s.app
    env = app.config.environment(environment)  # an unknown name: a usage error naming the known
    now = app.clock()
    when = at or now
    seen = s.sightings(dry_run=True)
    readings = decisions.Readings(app, [env.name], s.environ, gates=s.gates())
    try:

        def decided(t: datetime, names: Sequence[str]) -> decisions.Decided:
            return readings.decide(plan(app, names, seen=seen, now=t), t)

        first = decided(when, [env.name])
        items = [i for ep in first.plan.environments for i in ep.items]
        if image is not None:
            items = [i for i in items if i.image == image]
            if not items:
                known = ", ".join(sorted({i.image for ep in first.plan.environments for i in ep.items}))
                raise UsageError(
                    f"{environment} has no image {image!r}",
                    hint=f"its images: {known}" if known else "its overlays name no configured image",
                )
        chains = {decisions.key(i): first.chains[decisions.key(i)] for i in items}
        changes = next_changes(items, chains, {env.name: env.windows}, when, decided)
    finally:
        readings.close()
    return Explained(
        env.name,
        now,
        when,
        tuple(Explanation(i, chains[decisions.key(i)], changes.get(decisions.key(i))) for i in items),
        tuple(r for r in app.reading(env).images if image is None or r.image == image),
    )


def next_changes(
    items: Sequence[PlanItem],
    chains: Mapping[decisions.Key, tuple[Step, ...]],
    schedules: Mapping[str, WindowsConfig | None],
    when: datetime,
    decided: Callable[[datetime, Sequence[str]], decisions.Decided],
) -> dict[decisions.Key, NextChange]:
    """Each item's first instant after ``when`` whose decision is another (by action or rule):
    the environments are decided again at each instant a rule of theirs names (its chain's
    ``until``s, the decision's own, the window's next closing), earliest first."""
    closing = {  # the scan is minute by minute over a week: once per environment
        name: windows.closes(schedule, when) if schedule is not None else None
        for name, schedule in schedules.items()
    }
    mine: dict[decisions.Key, dict[datetime, set[str]]] = {}
    for i in items:
        found = mine.setdefault(decisions.key(i), {})
        for step in chains.get(decisions.key(i), ()):
            if step.until is not None and step.until > when:
                found.setdefault(step.until, set()).add(CAUSES.get(step.rule, f"{step.rule} ends"))
        if i.decision is not None and i.decision.until is not None and i.decision.until > when:
            found.setdefault(i.decision.until, set())
        if (closes := closing.get(i.environment)) is not None:
            found.setdefault(closes, set()).add(CAUSES["window closes"])
    instants = sorted({t for found in mine.values() for t in found})[:MAX_INSTANTS]
    before = {decisions.key(i): i.decision for i in items}
    out: dict[decisions.Key, NextChange] = {}
    for t in instants:
        asked = sorted({k[0] for k, found in mine.items() if k not in out and t in found})
        if not asked:
            continue
        for i in (i for ep in decided(t, asked).plan.environments for i in ep.items):
            k, d, was = decisions.key(i), i.decision, before.get(decisions.key(i))
            if k in out or was is None or d is None or (d.action, d.rule) == (was.action, was.rule):
                continue
            out[k] = NextChange(t, d, tuple(sorted(mine[k].get(t, ()))) or ("its wait ends",))
    return out
