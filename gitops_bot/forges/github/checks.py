"""GitHub's checks on a commit, in :mod:`gitops_bot.core.checks`' words: the check runs
(``GET /repos/{owner}/{repo}/commits/{ref}/check-runs``: GitHub Actions, GitHub Apps) and the
statuses of the combined status (``GET /repos/{owner}/{repo}/commits/{ref}/status``: the older
commit status API external CI systems use)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.net.service import Answer

# check runs: a completed run's conclusion; a run not completed is pending
_CONCLUSIONS = {
    "success": CheckState.SUCCESS,
    "neutral": CheckState.SUCCESS,
    "skipped": CheckState.SKIPPED,
    "failure": CheckState.FAILURE,
    "cancelled": CheckState.FAILURE,
    "timed_out": CheckState.FAILURE,
    "action_required": CheckState.FAILURE,
    "stale": CheckState.FAILURE,
    "startup_failure": CheckState.FAILURE,
}
_STATUSES = {
    "success": CheckState.SUCCESS,
    "pending": CheckState.PENDING,
    "failure": CheckState.FAILURE,
    "error": CheckState.FAILURE,
}


def from_check_runs(data: Any) -> list[Check]:
    runs = data.get("check_runs") if isinstance(data, dict) else None
    out = []
    for run in runs if isinstance(runs, list) else []:
        name, status, conclusion = (
            run.get(k) if isinstance(run, dict) else None for k in ("name", "status", "conclusion")
        )
        if not isinstance(name, str) or not isinstance(status, str):
            continue  # an answer is input: a run without a name or status says nothing usable
        if status != "completed":
            out.append(Check(name, CheckState.PENDING, status))
        else:
            said = conclusion if isinstance(conclusion, str) else "completed"
            out.append(Check(name, _CONCLUSIONS.get(said, CheckState.FAILURE), said))
    return out


def from_combined_status(data: Any) -> list[Check]:
    statuses = data.get("statuses") if isinstance(data, dict) else None
    out = []
    for s in statuses if isinstance(statuses, list) else []:
        context, state = (s.get(k) if isinstance(s, dict) else None for k in ("context", "state"))
        if isinstance(context, str) and isinstance(state, str):
            out.append(Check(context, _STATUSES.get(state, CheckState.FAILURE), state))
    return out


def envelope(key: str, what: str) -> Callable[[Any], list[Any]]:
    """A checks page: the entries under ``key`` beside the ``total_count`` of them all."""

    def items(data: Any) -> list[Any]:
        listed = data.get(key) if isinstance(data, dict) else None
        if not isinstance(listed, list) or _total_count_of(data) is None:
            raise ValueError(f"its {what} without {key} and total_count")
        return listed

    return items


def _total_count_of(data: Any) -> int | None:
    total = data.get("total_count") if isinstance(data, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def total_count(answer: Answer) -> int | None:
    return _total_count_of(answer.json)


def beyond_statuses(state: Any, statuses: Sequence[Check]) -> list[Check]:
    """GitHub's combined ``state``, over every status of the commit, as one more check when it
    is worse than the statuses read say: a failing or pending status the pages did not show
    (a status set between two page reads) must not let the gate pass. GitHub says ``pending``
    for a commit with no status at all: nothing then."""
    if not statuses or not isinstance(state, str) or state == "success":
        return []
    worst = CheckState.PENDING if state == "pending" else CheckState.FAILURE  # error, failure, a new word
    shown = {c.state for c in statuses}
    if CheckState.FAILURE in shown or (worst is CheckState.PENDING and CheckState.PENDING in shown):
        return []
    return [Check("combined status", worst, state, kind=checks.SUMMARY)]
