"""The conditions an environment's gates beside Argo CD set, as gitops-bot.yaml writes them
(``gates: metrics:`` and ``gates: web:``): a query every sample of which, or an endpoint whose
JSON answer, must meet one. Apart from the servers (:mod:`.settings`), which every
configuration holds: only a file whose environments write ``gates:`` loads this module
(``config.gates`` reads the section), or a gate judging one."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import timedelta

from gitops_bot.core.instants import OutOfBounds, parse_duration
from gitops_bot.core.record import record
from gitops_bot.core.settings import URL, holds, matches, setting
from gitops_bot.policy.settings import DURATION_PATTERN

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@record
class Condition:
    """``OP NUMBER``: what every sample must meet."""

    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> Condition:
        m = _CONDITION.match(text)
        if m is None:
            raise ValueError(
                f"{text!r} is not a condition like '< 0.01' (one of < <= > >= == != and a number)"
            )
        return cls(m.group(1), float(m.group(2)))

    def holds(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.op} {_number(self.threshold)}"


def _step_problem(value: object) -> str | None:
    try:
        span = parse_duration(value) if isinstance(value, str) else None
    except OutOfBounds:
        return ""
    return None if span is not None and span >= timedelta(seconds=1) else ""


def condition_problem(value: object) -> str | None:
    """A settings rule's check: None when ``value`` reads as a :class:`Condition`."""
    try:
        Condition.parse(str(value))
    except ValueError:
        return ""
    return None


@record
class MetricsGate:
    """One gate of an environment: ``query`` must meet ``condition`` at every sample."""

    name: str = setting(
        description="Names the gate in decisions, status and pull requests.",
        rules=(
            matches(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "metrics gate name {value!r} of {what} is not a name"),
        ),
    )
    query: str = setting(description="The PromQL expression, e.g. a service's error rate.")
    condition: str = setting(
        description="What every sample must meet: an operator (< <= > >= == !=) and a number, e.g. '< 0.01'.",
        rules=(
            holds(
                condition_problem,
                "'condition' {value!r} of {what} must be an operator (< <= > >= == !=) and a "
                "number, e.g. '< 0.01'",
            ),
        ),
    )
    step: str = setting(
        "30s",
        "Over a soak, the expression is read at every step from the soak's start to now: 30s, 1m.",
        rules=(holds(_step_problem, "'step' of {what} must be a duration of at least 1s, like 30s or 1m"),),
        schema={"type": "string", "pattern": DURATION_PATTERN},
    )

    @property
    def span(self) -> timedelta:
        return parse_duration(self.step) or timedelta(seconds=30)

    @property
    def rule(self) -> Condition:
        return Condition.parse(self.condition)


def _number(value: float) -> str:
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _pointer_problem(value: object) -> str | None:
    text = str(value)
    return None if text == "" or text.startswith("/") else ""


@record
class WebGate:
    """One endpoint and what its JSON answer must say: ``equals`` (the value at ``pointer``,
    as JSON writes it: ``approved``, ``true``, ``3``) or ``condition`` (a number, ``< 5``)."""

    name: str = setting(
        description="Names the gate in decisions, status and pull requests.",
        rules=(matches(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "web gate name {value!r} of {what} is not a name"),),
    )
    url: str = setting(
        description="The endpoint: an http(s) URL.",
        rules=(matches(URL, "'url' {value!r} of {what} must be an http(s) URL"),),
    )
    method: str = setting(
        "GET",
        "GET, or POST (with an empty JSON object as the body).",
        rules=(matches(r"^(GET|POST)$", "'method' of {what} must be GET or POST"),),
        schema={"enum": ["GET", "POST"]},
    )
    token_env: str | None = setting(None, "The variable holding a bearer token (sent to url's origin only).")
    pointer: str = setting(
        "",
        "Where in the JSON answer the value is: a JSON pointer such as /state or /checks/0/ok "
        "('' : the whole answer).",
        rules=(holds(_pointer_problem, "'pointer' {value!r} of {what} must be '' or start with '/'"),),
    )
    equals: str | None = setting(None, "The value must be this, as JSON writes it: approved, true, 3.")
    condition: str | None = setting(
        None,
        "The value must be a number meeting this: an operator (< <= > >= == !=) and a number.",
        rules=(
            holds(
                condition_problem,
                "'condition' {value!r} of {what} must be an operator (< <= > >= == !=) and a number",
            ),
        ),
    )

    @property
    def wanted(self) -> str:
        where = self.pointer or "the answer"
        return f"{where} == {self.equals}" if self.equals is not None else f"{where} {self.condition}"
