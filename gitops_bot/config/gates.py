"""An environment's gates beside Argo CD (``gates:``): metrics gates asked of the ``metrics:``
server (:mod:`.metrics`), the forge's checks on its release commit, web requests. Only a file
whose environments write ``gates:`` loads this module (:mod:`.environments` imports it by name),
and with it the checks gate's settings::

    environments:
      - name: staging
        path: overlays/staging
        gates:
          metrics:
            - {name: error-rate, query: 'sum(rate(errors[5m]))', condition: "< 0.01"}
          checks: {require: [smoke-test]}
"""

from __future__ import annotations

from gitops_bot.config.kinds import ListOf, Nested, section_of
from gitops_bot.config.spec import Field, Section, Values
from gitops_bot.core.record import record
from gitops_bot.gate.checks import ChecksGate
from gitops_bot.gate.conditions import MetricsGate, WebGate


def _gate(v: Values) -> MetricsGate:
    name = v["name"]
    if name in v.taken:
        raise v.error(v.line, f"metrics gate {name!r} of {v.parent} is listed twice")
    return MetricsGate(**v.values)


GATE = section_of(
    MetricsGate,
    _gate,
    name="metricsGate",
    named="metrics gate {name!r}",
    description=(
        "A PromQL expression every sample of which must meet the condition (an empty answer never passes)."
    ),
)


def _checks(v: Values) -> ChecksGate:
    require = v["require"]
    return ChecksGate(require=tuple(require) if require else None)


CHECKS = section_of(
    ChecksGate,
    _checks,
    name="checksGate",
    description="The forge's checks on the commit that released this environment must be green.",
)


def _web(v: Values) -> WebGate:
    name = v["name"]
    if name in v.taken:
        raise v.error(v.line, f"web gate {name!r} of {v.parent} is listed twice")
    if (v["equals"] is None) == (v["condition"] is None):
        raise v.error(v.line, f"{v.what} needs one of 'equals' or 'condition'")
    return WebGate(**v.values)


WEB = section_of(
    WebGate,
    _web,
    name="webGate",
    named="web gate {name!r}",
    description="An HTTP endpoint whose JSON answer must meet a condition.",
    schema={"oneOf": [{"required": ["equals"]}, {"required": ["condition"]}]},
)


@record
class Gates:
    """An environment's gates beside Argo CD, as read from ``gates:``."""

    metrics: tuple[MetricsGate, ...] = ()
    checks: ChecksGate | None = None
    web: tuple[WebGate, ...] = ()


GATES = Section(
    (
        Field(
            "metrics",
            ListOf(GATE, "metrics gate {number} of {parent}", "'metrics' of {what} must be a list"),
            description="Metrics gates: each must hold for promotions from here, soaks and rollbacks.",
        ),
        Field(
            "checks",
            Nested(CHECKS, "'checks' of {parent}"),
            description="The forge's checks on this environment's release commit: "
            "green before a promotion from here.",
        ),
        Field(
            "web",
            ListOf(WEB, "web gate {number} of {parent}", "'web' of {what} must be a list"),
            description="HTTP endpoints whose answers must meet a condition before a promotion from here.",
        ),
    ),
    lambda v: Gates(tuple(v["metrics"] or ()), v["checks"], tuple(v["web"] or ())),
    name="gates",
    description="What must hold in this environment beside its Argo CD application.",
)
