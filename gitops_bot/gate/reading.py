"""What every gate reads (Argo CD, metrics, web, the forge's checks): one :class:`Reading` with
its :class:`Outcome` (the decision and the output read these without loading any gate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from gitops_bot.core.log import redact

ARGOCD = "argocd"  # the kind of a reading of Argo CD's record of the environment's applications


class GateOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NO_DATA = "no data"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reading:
    """One gate's verdict, read at ``at``. ``since``: passing, since when it holds (within the
    window asked; None: no window); failing, since when it fails. ``value`` and ``series``: the
    sample judged (the first failing one; else the first)."""

    gate: str
    query: str
    condition: str
    outcome: GateOutcome
    at: datetime
    value: str = ""
    series: str = ""
    since: datetime | None = None
    error: str = ""  # unknown: why, one line (no data, fail: what the value lacks)
    kind: str = "metrics"  # the gate's kind: argocd, metrics, checks (the forge's), web

    @property
    def passes(self) -> bool:
        return self.outcome is GateOutcome.PASS

    def text(self) -> str:
        """One line for a person: the gate, the query, the value, the threshold, since when."""
        if self.kind == ARGOCD:
            return self._argocd()
        head = f"{self.kind} gate {self.gate} ({self.query})"
        since = f" since {_utc(self.since)}" if self.since else ""
        at = f"{self.series} " if self.series else ""
        match self.outcome:
            case GateOutcome.PASS:
                return f"{head} holds{since}: {at}{self.value} {self.condition}"
            case GateOutcome.FAIL if self.kind == "checks":
                return f"{head} fails: {self.error}"
            case GateOutcome.FAIL:
                return f"{head} fails{since}: {at}{self.value}, not {self.condition}"
            case GateOutcome.NO_DATA if self.kind != "metrics":
                return f"{head} has no answer yet: {self.error}"
            case GateOutcome.NO_DATA:
                return f"{head} has no data{since}: an empty answer never passes"
            case _:
                return f"{head} is unknown: {self.error}"

    def said(self, owner: str) -> str:
        """The reading as a decision about ``owner``'s gate says it."""
        if self.kind != ARGOCD:
            return f"{owner}'s {self.text()}"
        if self.outcome is GateOutcome.UNKNOWN:
            return f"{owner}'s gate {self.gate} could not be read: {self.error}"
        return f"{owner} is {'green' if self.passes else 'not green'} in Argo CD ({self.error or self.value})"

    def _argocd(self) -> str:
        since = f" since {_utc(self.since)}" if self.since else ""
        match self.outcome:
            case GateOutcome.PASS:
                return f"Argo CD gate {self.gate} holds{since}: {self.value}"
            case GateOutcome.UNKNOWN:
                return f"Argo CD gate {self.gate} is unknown: {self.error}"
            case _:
                return f"Argo CD gate {self.gate} fails{since}: {self.error}"

    def evidence(self) -> dict[str, str]:
        if self.kind == ARGOCD:  # what the decision's JSON has always named it by
            return {"application": self.gate, "reading": self.error or self.value}
        out = {
            **({"kind": self.kind} if self.kind != "metrics" else {}),
            "gate": self.gate,
            "query": self.query,
            "condition": self.condition,
            "verdict": self.outcome.value,
        }
        if self.value:
            out["value"] = self.value
        if self.series:
            out["series"] = self.series
        if self.since:
            out["since"] = _utc(self.since)
        if self.error:
            out["error"] = self.error
        return out

    def to_json(self) -> dict[str, Any]:
        return {**self.evidence(), "at": _utc(self.at)}


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A gate's messages (Prometheus's echo the query and whatever a label holds; Argo CD's are
# written by whatever controls the resource) go into decisions, hold reasons, PR bodies and
# commit messages: one line (a line break could add a trailer the ledger reads as the
# release), of bounded length, secrets redacted.
MESSAGE_LIMIT = 300


def line(value: Any) -> str:
    text = redact(" ".join(str(value or "").split()))
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1].rstrip() + "…"
