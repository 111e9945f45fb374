"""Results for machines: the JSON documents of ``--output json`` (and the Action's ``plan``
output). Their keys are a published interface: add, never rename or drop."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii as _string
from typing import TYPE_CHECKING, Any, cast

from gitops_bot.core.model import Plan, PlanItem
from gitops_bot.output import renderer
from gitops_bot.output.result import Failed, Planned, Result
from gitops_bot.output.words import action_of

if TYPE_CHECKING:
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.engine.results import RepositoryResult
    from gitops_bot.output.command_results import CommandBody
    from gitops_bot.release.ledger import Entry


def dumps(document: dict[str, Any]) -> str:
    """``json.dumps(document, indent=2)``, byte for byte, at less than half its cost: with an
    indent ``json`` runs its pure-Python encoder, generators in generators (15 ms for a
    1,000-image plan); this writes into one list, strings by the C encoder's escaping."""
    out: list[str] = []
    _value(document, "\n", out.append)
    return "".join(out)


def _value(o: Any, indent: str, put: Callable[[str], object]) -> None:
    """``o`` at ``indent`` (a newline and its spaces), as ``json``'s encoder writes it (its
    type checks, bool before int; the classes tested are disjoint otherwise)."""
    if isinstance(o, str):
        put(_string(o))
    elif isinstance(o, dict):
        if not o:
            put("{}")
            return
        inner = indent + "  "
        sep = "{" + inner
        for k, v in o.items():
            put(sep)
            put(_string(k if isinstance(k, str) else _key(k)))
            put(": ")
            if type(v) is str:  # most values: skip the call
                put(_string(v))
            elif v is None:
                put("null")
            else:
                _value(v, inner, put)
            sep = "," + inner
        put(indent + "}")
    elif isinstance(o, list | tuple):
        if not o:
            put("[]")
            return
        inner = indent + "  "
        sep = "[" + inner
        for v in o:
            put(sep)
            _value(v, inner, put)
            sep = "," + inner
        put(indent + "]")
    elif o is None:
        put("null")
    elif o is True:
        put("true")
    elif o is False:
        put("false")
    elif isinstance(o, int):
        put(int.__repr__(o))
    elif isinstance(o, float):
        put(_float(o))
    else:
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o in (math.inf, -math.inf):
        return "Infinity" if o > 0 else "-Infinity"
    return float.__repr__(o)


def _key(k: object) -> str:
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        return _float(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def update_document(outcomes: Sequence[Outcome], skipped: Sequence[PlanItem] = ()) -> dict[str, Any]:
    """``skipped`` (the images the plan skipped, and why) only when there are some: the v1
    document of a run without skips stays exactly what it always was."""
    doc: dict[str, Any] = {
        "schema": "gitops-bot/update/v1",
        "changed": any(o.action.changed for o in outcomes),
        "results": [o.to_json() for o in outcomes],
    }
    if skipped:
        # "action": what was decided, in the words plan, status and the page count it by (an
        # image whose signature is missing is blocked, not skipped, though it is not released)
        doc["skipped"] = [
            {
                "environment": i.environment,
                "image": i.image,
                "action": action_of(i).value,
                "reason": i.reason,
            }
            for i in skipped
        ]
    return doc


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan's v1 document, with ``decisions``: every image counted by what was decided,
    in the one vocabulary (``summary``'s ``skipped`` counts every image not proposed for a
    reason, blocked ones included, as it always has)."""
    counts: dict[str, int] = {}
    for e in plan.environments:
        for i in e.items:
            action = action_of(i).value
            counts[action] = counts.get(action, 0) + 1
    return plan.to_json() | {"decisions": counts}


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


def error_document(command: str, message: str, exit_code: int) -> dict[str, Any]:
    """A refused or failed command under ``--output json``: still one document on stdout, so a
    script reading it learns what went wrong and the exit code without parsing stderr."""
    return {
        "schema": "gitops-bot/error/v1",
        "command": command or None,
        "exit_code": exit_code,
        "error": message,
    }


def document(result: Result) -> dict[str, Any] | None:
    """The JSON document of ``--output json``; None for a result that has none."""
    match result.body:
        case Planned(plan, rendered, init):
            # added only when there is a rendered diff: the v1 document stays what it was
            doc = plan_document(plan) | ({"rendered": [r.to_json() for r in rendered]} if rendered else {})
            return doc | ({"init": init.to_json()} if init is not None else {})
        case Failed() as failed:
            doc = error_document(result.command, failed.message, result.exit_code)
            # added only when the environments were read before the failure
            return doc | ({"reading": [r.to_json() for r in failed.reading]} if failed.reading else {})
        case None:
            return None
        case _ as other:  # another command's result: its module's document (typed: every one is known)
            body: CommandBody = other
            return cast("dict[str, Any] | None", renderer("commands").document(body))
