"""The one vocabulary of outcomes: how every surface that counts or names what the run decided
says it (plan, update, status, the page, the dashboard, the Action's summary). The words are
the decision's (:class:`~gitops_bot.core.model.DecisionAction`), so the same two images read
"2 blocked" everywhere, never "2 skipped" in one place and "2 blocked" in another.
docs/concepts/decisions.md defines each word once; a test holds that table to this one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from gitops_bot.core.model import DecisionAction, PlanAction, PlanItem

# each action, as a count reads it ("4 to propose; 2 blocked"), in the order counts are given
COUNTED: dict[DecisionAction, str] = {
    DecisionAction.PROPOSE: "to propose",
    DecisionAction.PROMOTE: "to promote",
    DecisionAction.ROLLBACK: "to roll back",
    DecisionAction.WAIT: "waiting",
    DecisionAction.BLOCKED: "blocked",
    DecisionAction.UNKNOWN: "unknown",
    DecisionAction.SKIP: "skipped",
    DecisionAction.UP_TO_DATE: "up to date",
}
# counted even when none: what a reader looks for first (nothing to do, nothing stuck)
ALWAYS = (DecisionAction.PROPOSE, DecisionAction.BLOCKED, DecisionAction.SKIP)

# an item planned without the run's decisions (set-image, an old caller): its plan's action
_OF_PLAN = {
    PlanAction.UPDATE: DecisionAction.PROPOSE,
    PlanAction.NONE: DecisionAction.UP_TO_DATE,
    PlanAction.HELD: DecisionAction.BLOCKED,
    PlanAction.SKIP: DecisionAction.SKIP,
}


def action_of(item: PlanItem) -> DecisionAction:
    """What the run decided for ``item``, in the decision's words."""
    if item.decision:
        return item.decision.action
    return DecisionAction.WAIT if item.waiting and item.action is PlanAction.NONE else _OF_PLAN[item.action]


def tally(actions: Iterable[DecisionAction], *, also: Sequence[DecisionAction] = ()) -> list[str]:
    """``["4 to propose", "2 blocked", "0 skipped"]``: each action counted in the one order,
    those in :data:`ALWAYS` (and ``also``) even at 0, the others only when there are some (up to
    date only when ``also`` asks: it is what needs nothing)."""
    found = list(actions)
    shown = (*ALWAYS, *also)
    return [
        f"{found.count(a)} {words}"
        for a, words in COUNTED.items()
        if a in shown or (found.count(a) and a is not DecisionAction.UP_TO_DATE)
    ]


def grouped(items: Sequence[PlanItem], shown: int, say: Callable[[str], str]) -> str:
    """Items the run did not release, by what it decided: ``2 blocked (dev example/worker:
    REASON; ...); 1 skipped (...)``, at most ``shown`` reasons in all, each (outside text)
    written by ``say`` for the medium it lands in."""
    by: dict[DecisionAction, list[PlanItem]] = {}
    for i in items:
        by.setdefault(action_of(i), []).append(i)
    parts, left = [], shown
    for action, words in COUNTED.items():
        found = by.get(action, [])
        if not found:
            continue
        named = found[: max(left, 0)]
        left -= len(named)
        reasons = "; ".join(f"{i.environment} {i.image}: {say(_reason(i))}" for i in named)
        extra = len(found) - len(named)
        more = ("; " if reasons else "") + f"and {extra} more" if extra else ""
        parts.append(f"{len(found)} {words}" + (f" ({reasons}{more})" if reasons or more else ""))
    return "; ".join(parts)


def _reason(item: PlanItem) -> str:
    d = item.decision
    return d.reason if d else item.reason


def counted(n: float, one: str, many: str | None = None) -> str:
    """``n`` and what it counts, in the number's form: "1 failure", "2 failures", "1 day"."""
    number = f"{n:g}" if isinstance(n, float) else str(n)  # a count stays whole, never 1e+06
    return f"{number} {one if n == 1 else many or one + 's'}"
