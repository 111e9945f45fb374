"""What every gate reads (Argo CD, metrics, web, the forge's checks): one :class:`Reading` with
its :class:`GateOutcome`, and its :class:`GateKind`, the type of gate it is of, which words it
(the decision and the output read these without loading any gate: the wording travels with
the reading). Each kind is defined beside its gate (``argocd.ARGOCD``, ``metrics.METRICS``,
``checks.CHECKS``, ``web.WEB``); this base words a gate measured against a condition."""

from __future__ import annotations

from dataclasses import field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from gitops_bot.core.log import redact
from gitops_bot.core.model import DecisionRule
from gitops_bot.core.record import record


class GateOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NO_DATA = "no data"
    UNKNOWN = "unknown"


class GateKind:
    """A kind of gate: its name (what the decision's JSON calls it), the rule of the decision
    it answers, and how a reading of it is worded. One instance a kind; the base words a gate
    that measures a query's answer against a condition (metrics, checks, web)."""

    name: ClassVar[str]
    rule: ClassVar[DecisionRule]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<gate kind {self.name}>"

    def text(self, r: Reading) -> str:
        """One line for a person: the gate, the query, the value, the threshold, since when."""
        head = f"{self.name} gate {r.gate} ({r.query})"
        at = f"{r.series} " if r.series else ""
        match r.outcome:
            case GateOutcome.PASS:
                return f"{head} holds{since_text(r)}: {at}{r.value} {r.condition}"
            case GateOutcome.FAIL:
                return f"{head} fails{since_text(r)}: {at}{r.value}, not {r.condition}"
            case GateOutcome.NO_DATA:
                return f"{head} has no answer yet: {r.error}"
            case _:
                return f"{head} is unknown: {r.error}"

    def said(self, r: Reading, owner: str) -> str:
        """The reading as a decision about ``owner``'s gate says it."""
        return f"{owner}'s {self.text(r)}"

    def own(self, r: Reading) -> str:
        """The reading as a decision about the environment's own gate says it."""
        return f"its {self.text(r)}"

    def evidence(self, r: Reading) -> dict[str, str]:
        """What a decision on the reading shows it was made on (the decision's JSON)."""
        return {"kind": self.name, **measured(r)}


def measured(r: Reading) -> dict[str, str]:
    """A measured gate's evidence, but its kind: the gate, query, condition, verdict and what
    was read."""
    out = {"gate": r.gate, "query": r.query, "condition": r.condition, "verdict": r.outcome.value}
    if r.value:
        out["value"] = r.value
    if r.series:
        out["series"] = r.series
    if r.since:
        out["since"] = utc(r.since)
    if r.error:
        out["error"] = r.error
    return out


@record
class Reading:
    """One gate's verdict, read at ``at``. ``since``: passing, since when it holds (within the
    window asked; None: no window); failing, since when it fails. ``value`` and ``series``: the
    sample judged (the first failing one; else the first). ``kind``: the gate's kind, which
    words it."""

    gate: str
    query: str
    condition: str
    outcome: GateOutcome
    at: datetime
    value: str = ""
    series: str = ""
    since: datetime | None = None
    error: str = ""  # unknown: why, one line (no data, fail: what the value lacks)
    kind: GateKind = field(kw_only=True)

    @property
    def passes(self) -> bool:
        return self.outcome is GateOutcome.PASS

    @property
    def holds_back(self) -> bool:
        """Failing, or without an answer yet: a release waits."""
        return self.outcome in (GateOutcome.FAIL, GateOutcome.NO_DATA)

    @property
    def unread(self) -> bool:
        return self.outcome is GateOutcome.UNKNOWN

    @property
    def rule(self) -> DecisionRule:
        """The decision's rule this reading answers: gate (Argo CD's), metrics, checks, web."""
        return self.kind.rule

    def text(self) -> str:
        """One line for a person, in its kind's words."""
        return self.kind.text(self)

    def said(self, owner: str) -> str:
        """The reading as a decision about ``owner``'s gate says it."""
        return self.kind.said(self, owner)

    def own(self) -> str:
        """The reading as a decision about the environment's own gate says it."""
        return self.kind.own(self)

    def evidence(self) -> dict[str, str]:
        return self.kind.evidence(self)

    def to_json(self) -> dict[str, Any]:
        return {**self.evidence(), "at": utc(self.at)}


def since_text(r: Reading) -> str:
    """`` since INSTANT`` when the reading says since when (else nothing), as the kinds word it."""
    return f" since {utc(r.since)}" if r.since else ""


def utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A gate's messages (Prometheus's echo the query and whatever a label holds; Argo CD's are
# written by whatever controls the resource) go into decisions, hold reasons, PR bodies and
# commit messages: one line (a line break could add a trailer the ledger reads as the
# release), of bounded length, secrets redacted.
MESSAGE_LIMIT = 300


def line(value: Any) -> str:
    text = redact(" ".join(str(value or "").split()))
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1].rstrip() + "…"
