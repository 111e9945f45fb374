"""A commit's checks on the forge: the CI runs and statuses other systems reported on a commit
of the GitOps repository (a manifest validation, a smoke test, a policy check), for the gate
that requires them green before a promotion out of the environment that commit released.

An optional port, like :mod:`gitops_bot.forges.issues`: each adapter whose forge reports
commit checks implements :class:`CommitChecks` through its own published API (GitHub's check
runs and combined status, GitLab's commit statuses, Gitea's and Forgejo's combined status,
Azure DevOps' commit statuses, Bitbucket's build statuses), and answers in one vocabulary:
every check as ``success``, ``pending``, ``failure`` or ``skipped``. :func:`verdict` is the
whole rule over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from gitops_bot.core.settings import setting

MAX_CHECKS = 500  # checks read on one commit at most: a forge answering more pages is stopped


class State(StrEnum):
    SUCCESS = "success"
    PENDING = "pending"
    FAILURE = "failure"
    SKIPPED = "skipped"  # did not run (a path filter, a manual job): neither green nor red


@dataclass(frozen=True, slots=True)
class Check:
    """One check as the forge reported it: its name (GitHub's check run name or status
    context, GitLab's job name, Azure DevOps' ``genre/name``, Bitbucket's key), its state in
    this module's words, and the forge's own word for it."""

    name: str
    state: State
    said: str


@dataclass(frozen=True, slots=True)
class ChecksGate:
    """``gates: checks:`` of an environment: the forge's checks on the commit that released
    what it runs must be green before that is promoted further."""

    require: tuple[str, ...] | None = setting(
        None,
        "The checks that must be green, by name (a check run's or status's name, a job's name, "
        "Azure DevOps' genre/name, Bitbucket's key). Default: every check reported, at least one.",
    )


@runtime_checkable
class CommitChecks(Protocol):
    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """Every check reported on ``sha`` of the GitOps repository, the newest per name."""
        ...


def checks_of(forge: object) -> CommitChecks | None:
    return forge if isinstance(forge, CommitChecks) else None


MAX_DESCRIPTION = 140  # GitHub's limit on a status's description, the tightest of the forges


@runtime_checkable
class CommitStatuses(Protocol):
    """An optional port: a status the bot itself reports on a commit of the GitOps repository
    (``gitops-bot/min-age`` on a pull request's head), which branch protection can require."""

    def report_status(self, sha: str, context: str, state: State, description: str) -> None:
        """``state``: SUCCESS or PENDING; ``description`` one line of at most MAX_DESCRIPTION."""
        ...


def statuses_of(forge: object) -> CommitStatuses | None:
    return forge if isinstance(forge, CommitStatuses) else None


def newest(checks: Iterable[Check]) -> tuple[Check, ...]:
    """One check per name, the first listed (forges list the newest first)."""
    seen: dict[str, Check] = {}
    for c in checks:
        seen.setdefault(c.name, c)
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the required checks are green on the commit, and why not in one line."""

    green: bool
    reason: str
    pending: bool = False  # not red: something required has not finished (or not reported yet)


def verdict(checks: Sequence[Check], required: Sequence[str] | None) -> Verdict:
    """``required``: the names that must be ``success``; None: every check reported must be
    ``success`` or ``skipped``, and at least one must have reported (a commit no CI looked at
    is not green)."""
    by_name = {c.name: c for c in checks}
    if required is None:
        wanted = [c for c in checks if c.state is not State.SKIPPED]
        if not wanted:
            return Verdict(False, "no check has reported on the commit yet", pending=True)
    else:
        missing = [n for n in required if n not in by_name]
        wanted = [by_name[n] for n in required if n in by_name]
        failing = [c for c in wanted if c.state is State.FAILURE]
        if failing:
            return Verdict(False, _listed("failing", failing))
        if missing:
            return Verdict(False, "not reported yet: " + ", ".join(missing), pending=True)
    failing = [c for c in wanted if c.state is State.FAILURE]
    if failing:
        return Verdict(False, _listed("failing", failing))
    pending = [c for c in wanted if c.state is State.PENDING]
    if pending:
        return Verdict(False, _listed("not finished", pending), pending=True)
    return Verdict(True, f"{len(wanted)} check{'s' if len(wanted) != 1 else ''} green")


def _listed(what: str, checks: Sequence[Check]) -> str:
    shown = ", ".join(f"{c.name} ({c.said})" for c in checks[:5])
    more = f" and {len(checks) - 5} more" if len(checks) > 5 else ""
    return f"{what}: {shown}{more}"
