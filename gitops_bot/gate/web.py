"""The web-request gate: an HTTP endpoint (a change-management system, a smoke-test service)
whose JSON answer must meet a condition before a release leaves the environment::

    gates:
      web:
        - name: change-approved
          url: https://change.example.com/api/changes/current?service=app
          token_env: CHANGE_TOKEN          # Authorization: Bearer, to url's origin only
          pointer: /state                  # RFC 6901 JSON pointer into the answer
          equals: approved                 # or condition: '< 5' on a number

Bounded like every other call of the bot: one deadline, a size cap, a redirect carries no
credential off the origin. An answer the gate cannot judge (not JSON, the pointer missing, a
value of another kind) fails the gate with the reason, so nothing is promoted on a guess; an
endpoint that cannot be reached is an unknown reading, as a metrics server's is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gitops_bot.core import numbers
from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.core.model import DecisionRule
from gitops_bot.core.secret import given
from gitops_bot.gate.conditions import Condition, WebGate
from gitops_bot.gate.reading import GateKind, GateOutcome, Reading, line
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Answer, Credential, Refused, Service, Unavailable

ATTEMPT = 10.0  # seconds for one answer, in all
TOTAL = 20.0  # seconds for the gate, retries included
LIMIT = 1024 * 1024  # bytes of one answer
# The retry budget of one question: 3 attempts, 0.5 s then 1 s apart (a Retry-After up to 4 s),
# read when a client is made, so a test that means the giving up can shorten the waits here.
RETRY = RetryPolicy(attempts=3, max_wait=4.0)


def resolve(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer; KeyError when there is none."""
    node = document
    if pointer == "":
        return node
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and (n := numbers.index(token)) is not None and n < len(node):
            node = node[n]
        else:
            raise KeyError(pointer)
    return node


class WebKind(GateKind):
    """A reading of an endpoint's JSON answer against the gate's condition: worded as every
    measured gate is (the base's words)."""

    name = "web"
    rule = DecisionRule.WEB


WEB = WebKind()


def judge(gate: WebGate, answer: Any, at: datetime) -> Reading:
    """The gate's verdict on a parsed answer."""

    def reading(outcome: GateOutcome, value: str, error: str = "") -> Reading:
        return Reading(gate.name, _query(gate), gate.wanted, outcome, at, value=value, error=error, kind=WEB)

    try:
        value = resolve(answer, gate.pointer)
    except KeyError:
        return reading(GateOutcome.NO_DATA, "", f"the answer has nothing at {gate.pointer}")
    said = value if isinstance(value, str) else json.dumps(value)
    if gate.equals is not None:
        return reading(GateOutcome.PASS if said == gate.equals else GateOutcome.FAIL, line(said))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return reading(GateOutcome.FAIL, line(said), "not a number")
    assert gate.condition is not None
    try:
        number = numbers.real(value, f"the value at {gate.pointer or 'the answer'}")
    except numbers.OutOfRange as exc:
        return reading(GateOutcome.UNKNOWN, "", line(exc))
    return reading(
        GateOutcome.PASS if Condition.parse(gate.condition).holds(number) else GateOutcome.FAIL, line(said)
    )


def _query(gate: WebGate) -> str:
    return f"{gate.method} {gate.url}"


def read(
    gate: WebGate,
    environ: Mapping[str, str],
    at: datetime,
    *,
    transport: Any = None,
) -> Reading:
    """Ask the endpoint now. Never raises for the endpoint: what could not be read is an
    unknown reading saying why."""
    try:
        return judge(gate, _ask(gate, environ, transport), at)
    except GitOpsBotError as exc:
        return Reading(
            gate.name, _query(gate), gate.wanted, GateOutcome.UNKNOWN, at, error=line(exc), kind=WEB
        )


def _ask(gate: WebGate, environ: Mapping[str, str], transport: Any) -> Any:

    token = None
    if gate.token_env:
        token = given(environ, gate.token_env, service=f"web gate {gate.name}", url=gate.url)
        if not token:
            raise UsageError(f"web gate {gate.name}: {gate.token_env} is not set")
    with Service(
        f"web gate {gate.name}",
        gate.url,
        credential=Credential.bearer(token) if token else None,  # to the endpoint's origin only
        timeout=ATTEMPT,
        total=TOTAL,
        limit=LIMIT,
        policy=RETRY,
        transport=transport,
    ) as endpoint:
        match endpoint.request(gate.method, gate.url, json_body={} if gate.method == "POST" else None):
            case Answer(json=answer):
                return answer
            case Refused(status=401 | 403 as status):
                raise UsageError(f"{gate.url} refused the credentials (HTTP {status})")
            case Refused(status=status, said=said):
                raise ServiceUnavailable(f"{gate.url} answered HTTP {status}" + (f": {said}" if said else ""))
            case Unavailable(why=why):
                raise ServiceUnavailable(f"{gate.url} is unavailable ({why})")
    raise AssertionError("unreachable")  # pragma: no cover
