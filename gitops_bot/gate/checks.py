"""The checks gate: the forge's checks on the commit that released what an environment runs
— a manifest validation, a smoke test, a policy check — green before that is promoted
further. The forges answer through the port :class:`~gitops_bot.core.checks.CommitChecks`;
:func:`verdict` is the whole rule over what they answer; the environment's gates are read
together in :mod:`gitops_bot.engine.gates`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from gitops_bot.core.checks import SUMMARY, Check, CheckState, CommitChecks
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import DecisionRule
from gitops_bot.core.record import record
from gitops_bot.core.settings import setting
from gitops_bot.gate.reading import GateKind, GateOutcome, Reading, line


@record
class ChecksGate:
    """``gates: checks:`` of an environment: the forge's checks on the commit that released
    what it runs must be green before that is promoted further."""

    require: tuple[str, ...] | None = setting(
        None,
        "The checks that must be green, by name (a check run's or status's name, a job's name, "
        "Azure DevOps' genre/name, Bitbucket's key). Default: every check reported, at least one.",
    )


@record
class ChecksVerdict:
    """Whether the required checks are green on the commit, and why not in one line."""

    green: bool
    reason: str
    pending: bool = False  # not red: something required has not finished (or not reported yet)


def verdict(checks: Sequence[Check], required: Sequence[str] | None) -> ChecksVerdict:
    """``required``: the names that must be ``success``; None: every check reported must be
    ``success`` or ``skipped``, and at least one must have reported (a commit no CI looked at
    is not green). A required name matches every check of that name: a status and a check
    run both called ``ci/build`` must both be green. A SUMMARY check is always wanted."""
    by_name: dict[str, list[Check]] = {}
    for c in checks:
        by_name.setdefault(c.name, []).append(c)
    # a name listed in two kinds is shown with its kind, so the reason says which one failed
    shared = {n for n, listed in by_name.items() if len({c.kind for c in listed}) > 1}
    summary = [c for c in checks if c.kind == SUMMARY]
    if required is None:
        wanted = [c for c in checks if c.state is not CheckState.SKIPPED]
        if not wanted:
            return ChecksVerdict(False, "no check has reported on the commit yet", pending=True)
    else:
        missing = [n for n in required if n not in by_name]
        wanted = [c for n in required for c in by_name.get(n, []) if c.kind != SUMMARY] + summary
        failing = [c for c in wanted if c.state is CheckState.FAILURE]
        if failing:
            return ChecksVerdict(False, _listed("failing", failing, shared))
        if missing:
            return ChecksVerdict(False, "not reported yet: " + ", ".join(missing), pending=True)
    failing = [c for c in wanted if c.state is CheckState.FAILURE]
    if failing:
        return ChecksVerdict(False, _listed("failing", failing, shared))
    pending = [c for c in wanted if c.state is CheckState.PENDING]
    if pending:
        return ChecksVerdict(False, _listed("not finished", pending, shared), pending=True)
    return ChecksVerdict(True, f"{len(wanted)} check{'s' if len(wanted) != 1 else ''} green")


def _listed(what: str, checks: Sequence[Check], shared: set[str]) -> str:
    shown = ", ".join(
        f"{c.name} ({c.kind}: {c.said})" if c.name in shared else f"{c.name} ({c.said})" for c in checks[:5]
    )
    more = f" and {len(checks) - 5} more" if len(checks) > 5 else ""
    return f"{what}: {shown}{more}"


class ChecksKind(GateKind):
    """A reading of the forge's checks on a release commit: a failure is said by the checks
    that failed (``error``), not by a value against a threshold."""

    name = "checks"
    rule = DecisionRule.CHECKS

    def text(self, r: Reading) -> str:
        if r.outcome is GateOutcome.FAIL:
            return f"{self.name} gate {r.gate} ({r.query}) fails: {r.error}"
        return super().text(r)


CHECKS = ChecksKind()


def read(
    gate: ChecksGate,
    environment: str,
    commit: str | None,
    port: Callable[[], CommitChecks | None],
    now: datetime,
) -> Reading:
    """The gate's reading of ``environment``'s release ``commit`` (None: no release in the
    history), asking the forge through ``port`` (None: its checks cannot be read here): pass
    when the required checks are green, fail when one failed, no data while one is pending,
    unknown when the forge could not be read whole."""
    wanted = ", ".join(gate.require) if gate.require else "every check"

    def reading(outcome: GateOutcome, query: str, error: str = "", value: str = "") -> Reading:
        return Reading("commit", query, "green", outcome, now, value=value, error=error, kind=CHECKS)

    if commit is None:
        return reading(GateOutcome.NO_DATA, wanted, f"no release of {environment} in this history")
    query = f"{wanted} on {commit[:12]}"
    try:
        forge = port()
        if forge is None:
            return reading(GateOutcome.UNKNOWN, query, "the forge's checks cannot be read here")
        v = verdict(forge.commit_checks(commit), gate.require)
    except GitOpsBotError as exc:
        return reading(GateOutcome.UNKNOWN, query, line(exc))
    if v.green:
        return reading(GateOutcome.PASS, query, value=v.reason)
    return reading(GateOutcome.NO_DATA if v.pending else GateOutcome.FAIL, query, v.reason)
