"""Results for machines: the JSON documents of ``--output json`` (and the Action's ``plan``
output). Their keys are a published interface: add, never rename or drop."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, assert_never

from gitops_bot.core.model import PlanItem
from gitops_bot.output.result import (
    Delivered,
    Failed,
    FleetDelivered,
    HistoryRead,
    ImageSet,
    Planned,
    Result,
    Schema,
    StatusRead,
)

if TYPE_CHECKING:
    from gitops_bot.commands.fleet import RepositoryResult
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.release.ledger import Entry


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)


def update_document(outcomes: Sequence[Outcome], skipped: Sequence[PlanItem] = ()) -> dict[str, Any]:
    """``skipped`` (the images the plan skipped, and why) only when there are some: the v1
    document of a run without skips stays exactly what it always was."""
    doc: dict[str, Any] = {
        "schema": "gitops-bot/update/v1",
        "changed": any(o.action.changed for o in outcomes),
        "results": [o.to_json() for o in outcomes],
    }
    if skipped:
        doc["skipped"] = [
            {"environment": i.environment, "image": i.image, "reason": i.reason} for i in skipped
        ]
    return doc


def history_document(environment: str, entries: Sequence[Entry]) -> dict[str, Any]:
    return {
        "schema": "gitops-bot/history/v1",
        "environment": environment,
        "releases": [e.to_json() for e in entries],
    }


def fleet_document(results: Sequence[RepositoryResult], exit_code: int) -> dict[str, Any]:
    return {
        "schema": "gitops-bot/update-many/v1",
        "exit_code": exit_code,
        "changed": any(r.to_json()["changed"] for r in results),
        "repositories": [r.to_json() for r in results],
    }


def document(result: Result) -> dict[str, Any] | None:
    """The JSON document of ``--output json``; None for a result that has none."""
    match result.body:
        case Planned(plan, rendered):
            # added only when there is a rendered diff: the v1 document stays what it was
            return plan.to_json() | ({"rendered": [r.to_json() for r in rendered]} if rendered else {})
        case Delivered(outcomes, skipped):
            return update_document(outcomes, skipped)
        case HistoryRead(environment, entries):
            return history_document(environment, entries)
        case FleetDelivered(results, exit_code):
            return fleet_document(results, exit_code)
        case StatusRead(status):
            return status.to_json()
        case ImageSet() | Schema() | Failed() | None:
            return None
        case _ as unreachable:
            assert_never(unreachable)
