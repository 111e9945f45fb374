"""GitHub's checks on a commit, in :mod:`gitops_bot.core.checks`' words: the check runs
(``GET /repos/{owner}/{repo}/commits/{ref}/check-runs``: GitHub Actions, GitHub Apps) and the
statuses of the combined status (``GET /repos/{owner}/{repo}/commits/{ref}/status``: the older
commit status API external CI systems use)."""

from __future__ import annotations

from typing import Any

from gitops_bot.core.checks import Check, State

# check runs: a completed run's conclusion; a run not completed is pending
_CONCLUSIONS = {
    "success": State.SUCCESS,
    "neutral": State.SUCCESS,
    "skipped": State.SKIPPED,
    "failure": State.FAILURE,
    "cancelled": State.FAILURE,
    "timed_out": State.FAILURE,
    "action_required": State.FAILURE,
    "stale": State.FAILURE,
    "startup_failure": State.FAILURE,
}
_STATUSES = {
    "success": State.SUCCESS,
    "pending": State.PENDING,
    "failure": State.FAILURE,
    "error": State.FAILURE,
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
            out.append(Check(name, State.PENDING, status))
        else:
            said = conclusion if isinstance(conclusion, str) else "completed"
            out.append(Check(name, _CONCLUSIONS.get(said, State.FAILURE), said))
    return out


def from_combined_status(data: Any) -> list[Check]:
    statuses = data.get("statuses") if isinstance(data, dict) else None
    out = []
    for s in statuses if isinstance(statuses, list) else []:
        context, state = (s.get(k) if isinstance(s, dict) else None for k in ("context", "state"))
        if isinstance(context, str) and isinstance(state, str):
            out.append(Check(context, _STATUSES.get(state, State.FAILURE), state))
    return out
